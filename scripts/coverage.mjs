// The coverage gate of `npm test` (docs/testing.md, "Coverage"). c8 collects V8 coverage from every
// node process of the run: the in-process tests execute the tsc build (dist/), the spawned ones the
// esbuild bundle (bundle/), both with source maps to src/. Letting c8 remap both and merge them gives
// a figure that is not a union of what ran:
// - v8-to-istanbul starts every line of a source file at "run" and only zeroes the lines that a
//   zero-count range covers once remapped, so code esbuild left out of the bundle (tree-shaken, or
//   a range whose remap fails) counts as run wherever the bundle loaded its module;
// - istanbul's FileCoverage.merge keys functions and branches by their exact remapped location, so
//   one function remapped from both builds at slightly different columns counts twice.
//
// So the figure is built here from positions, not from remapped ranges. A source position (line,
// column of src/*.ts) is run by a build when a generated position that the build's source map maps
// to it lay, in some process, in a V8 range with a count above zero (the innermost range around it,
// as V8 defines block counts). The items are c8's own, read from its reports of each build alone:
// - lines: every line of a file, as c8 counts them; one is covered when c8's report of dist/ says
//   so (what the tsc build ran, its own default for comment lines included), when either build ran a
//   position on it, or, for a line with no code in either build (a comment, a type), when the
//   nearest lines with code before and after it are covered;
// - functions and branches: c8's report of dist/, plus each item of the bundle's report that has no
//   item of dist/ at the same place (a block that only the bundle ran finely enough for V8 to report
//   it); one is covered when its own build counted it or either build ran a position inside it.
// The totals, per directory and overall, are checked against the gate (lines, branches).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The gate of issue 10: lines >= 90 %, branches >= 80 %. */
export const GATE = { lines: 90, branches: 80 };

/**
 * @typedef {{ line: number, column: number }} Position  line from 1, column from 0 (UTF-16 units)
 * @typedef {{ start: Position, end: Position }} Location  end exclusive
 * @typedef {{ statementMap: Record<string, Location>, s: Record<string, number>,
 *   fnMap: Record<string, { name: string, loc: Location }>, f: Record<string, number>,
 *   branchMap: Record<string, { locations: Location[] }>, b: Record<string, number[]>, all?: boolean }} FileCoverage
 * @typedef {{ total: number, covered: number }} Count
 * @typedef {{ lines: Count, functions: Count, branches: Count }} Counts
 * @typedef {{ code: Map<number, number[]>, ran: Map<number, Set<number>> }} Positions
 *   per source line: the columns a build has code at, and those it ran
 */

const VLQ = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/**
 * Decode one source-map "mappings" string (source map v3: ';' between generated lines, ',' between
 * segments, base64 VLQ fields relative to the previous segment).
 * @param {string} mappings
 * @returns {number[][]} [generatedLine (0-based), generatedColumn, sourceIndex, sourceLine (0-based), sourceColumn]
 */
export function decodeMappings(mappings) {
  /** @type {number[][]} */
  const segments = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  let line = 0;
  for (const lineText of mappings.split(';')) {
    let column = 0;
    for (const text of lineText.split(',')) {
      if (text === '') continue;
      /** @type {number[]} */
      const fields = [];
      let value = 0;
      let shift = 0;
      for (const char of text) {
        const digit = VLQ.get(char);
        if (digit === undefined) throw new Error(`bad source map character ${JSON.stringify(char)}`);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += fields[0];
      // A one-field segment maps generated code to no source (esbuild's glue): nothing to credit.
      if (fields.length < 4) continue;
      source += fields[1];
      sourceLine += fields[2];
      sourceColumn += fields[3];
      segments.push([line, column, source, sourceLine, sourceColumn]);
    }
    line++;
  }
  return segments;
}

/**
 * The code positions of one generated file that map into src/: offsets into the generated text
 * (V8's coverage offsets) with their source file and position, in offset order.
 * @param {string} file an absolute path of dist/ or bundle/
 * @param {string} srcDir
 * @returns {{ offsets: number[], sources: string[], where: { source: number, line: number, column: number }[] }}
 */
export function codePositions(file, srcDir) {
  const text = readFileSync(file, 'utf8');
  const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text);
  if (!url) return { offsets: [], sources: [], where: [] };
  const mapFile = resolve(dirname(file), url[1]);
  const map = JSON.parse(readFileSync(mapFile, 'utf8'));
  const root = resolve(dirname(mapFile), map.sourceRoot ?? '');
  /** @type {string[]} */
  const sources = map.sources.map((/** @type {string} */ s) => resolve(root, s));
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  /** @type {number[]} */
  const offsets = [];
  /** @type {{ source: number, line: number, column: number }[]} */
  const where = [];
  for (const [line, column, source, sourceLine, sourceColumn] of decodeMappings(map.mappings)) {
    if (!sources[source].startsWith(srcDir + sep)) continue; // the bundled dependencies
    const offset = lineStarts[line] + column;
    // esbuild also maps the whitespace before a statement and after one (the start of the next
    // line) to it: such a position lies outside the statement's V8 range, in the enclosing one.
    // tsc keeps comments and maps them: a comment is no code.
    if (offset >= text.length || /\s/.test(text[offset]) || text.startsWith('//', offset) || text.startsWith('/*', offset)) continue;
    offsets.push(offset);
    where.push({ source, line: sourceLine + 1, column: sourceColumn });
  }
  const order = offsets.map((_, i) => i).sort((a, b) => offsets[a] - offsets[b]);
  return { offsets: order.map((i) => offsets[i]), sources, where: order.map((i) => where[i]) };
}

/**
 * Which of the sorted offsets lay in a range with a count above zero, for one script's V8 coverage:
 * the innermost range decides (V8 reports a block's range only where its count differs from the
 * enclosing one; ranges nest properly).
 * @param {{ ranges: { startOffset: number, endOffset: number, count: number }[] }[]} functions
 * @param {number[]} offsets sorted
 * @returns {boolean[]}
 */
export function ranOffsets(functions, offsets) {
  const ranges = functions.flatMap((f) => f.ranges).sort((a, b) => a.startOffset - b.startOffset || b.endOffset - a.endOffset);
  /** @type {typeof ranges} */
  const open = [];
  let next = 0;
  return offsets.map((offset) => {
    while (next < ranges.length && ranges[next].startOffset <= offset) {
      const range = ranges[next++];
      while (open.length > 0 && open[open.length - 1].endOffset <= range.startOffset) open.pop();
      open.push(range);
    }
    while (open.length > 0 && open[open.length - 1].endOffset <= offset) open.pop();
    return open.length > 0 && open[open.length - 1].count > 0;
  });
}

/**
 * Read the raw V8 coverage of a c8 run once: for each build, which source positions ran, and the
 * script coverages of the bundle alone (for c8's report of the bundle).
 * @param {string} tempDir c8's temp directory
 * @param {{ dist: string, bundle: string, src: string, skip: string[] }} dirs
 */
export function readRawCoverage(tempDir, dirs) {
  /** @type {Map<string, { build: 'dist' | 'bundle', code: ReturnType<typeof codePositions>, ran: Uint8Array }>} */
  const scripts = new Map();
  /** @type {unknown[]} */
  const bundleResults = [];
  let processes = 0;
  for (const name of readdirSync(tempDir).filter((n) => n.endsWith('.json'))) {
    /** @type {{ result?: { url: string, functions: any[] }[] }} */
    let report;
    try {
      report = JSON.parse(readFileSync(join(tempDir, name), 'utf8'));
    } catch {
      continue; // a process killed while writing (the SIGKILL tests): c8 skips it too
    }
    if (!Array.isArray(report.result)) continue;
    processes++;
    /** @type {unknown[]} */
    const kept = [];
    for (const script of report.result) {
      if (!script.url.startsWith('file:')) continue;
      const path = fileURLToPath(script.url);
      const build = path.startsWith(dirs.dist + sep) ? 'dist' : path.startsWith(dirs.bundle + sep) ? 'bundle' : null;
      // The scripts of the two builds (not the single executable's, which the binary tests make
      // under dist/ and remove).
      if (build === null || !isBuildScript(build, path) || dirs.skip.includes(path) || !existsSync(path)) continue;
      if (build === 'bundle') kept.push(script);
      let entry = scripts.get(path);
      if (!entry) {
        const code = codePositions(path, dirs.src);
        entry = { build, code, ran: new Uint8Array(code.offsets.length) };
        scripts.set(path, entry);
      }
      const ran = ranOffsets(script.functions, entry.code.offsets);
      for (let i = 0; i < ran.length; i++) if (ran[i]) entry.ran[i] = 1;
    }
    if (kept.length > 0) bundleResults.push({ result: kept });
  }
  return { scripts, bundleResults, processes };
}

/**
 * Whether a file is a script of the build: tsc writes .js; esbuild .js for the CommonJS files of
 * bundle/bin/ and .mjs for the ES modules (the program, the client and their chunks).
 * @param {'dist' | 'bundle'} build
 * @param {string} path
 */
const isBuildScript = (build, path) => path.endsWith('.js') || (build === 'bundle' && path.endsWith('.mjs'));

/**
 * Every generated file of a build: its code positions, whether or not a process loaded it.
 * @param {'dist' | 'bundle'} build
 * @param {string} dir
 * @param {string[]} skip
 * @returns {string[]}
 */
function generatedFiles(build, dir, skip) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && isBuildScript(build, e.name))
    .map((e) => join(e.parentPath, e.name))
    .filter((path) => !skip.includes(path));
}

/**
 * Per source file and build, the columns with code and those that ran, per line.
 * @param {ReturnType<typeof readRawCoverage>['scripts']} scripts
 * @param {{ dist: string, bundle: string, src: string, skip: string[] }} dirs
 * @returns {{ dist: Map<string, Positions>, bundle: Map<string, Positions> }}
 */
export function sourcePositions(scripts, dirs) {
  /** @type {{ dist: Map<string, Positions>, bundle: Map<string, Positions> }} */
  const out = { dist: new Map(), bundle: new Map() };
  for (const build of /** @type {const} */ (['dist', 'bundle'])) {
    for (const file of generatedFiles(build, dirs[build], dirs.skip)) {
      const entry = scripts.get(file) ?? { code: codePositions(file, dirs.src), ran: null };
      entry.code.where.forEach(({ source, line, column }, i) => {
        const path = entry.code.sources[source];
        let positions = out[build].get(path);
        if (!positions) out[build].set(path, (positions = { code: new Map(), ran: new Map() }));
        let cols = positions.code.get(line);
        if (!cols) positions.code.set(line, (cols = []));
        cols.push(column);
        if (entry.ran?.[i]) {
          let ran = positions.ran.get(line);
          if (!ran) positions.ran.set(line, (ran = new Set()));
          ran.add(column);
        }
      });
    }
  }
  return out;
}

/**
 * Whether a build ran a position inside the location, its edges aside. A token at an item's edge
 * can be mapped from generated code just outside the item's range: esbuild maps the end of a call,
 * after the range of the arrow function that makes it, to its ')'; and the first line of a class
 * (its name, its `extends`) runs with the enclosing code although V8's range of the class's field
 * initializer starts there. So a position counts when it lies after the first line of a multi-line
 * item (after the first character of a one-line item) and before the item's last character.
 * @param {Positions | undefined} positions
 * @param {Location} loc
 */
export function ranInside(positions, loc) {
  if (!positions) return false;
  const oneLine = loc.start.line === loc.end.line;
  for (let line = oneLine ? loc.start.line : loc.start.line + 1; line <= loc.end.line; line++) {
    const ran = positions.ran.get(line);
    if (!ran) continue;
    for (const column of ran) {
      if (oneLine && column <= loc.start.column) continue;
      if (line === loc.end.line && column >= loc.end.column - 1) continue;
      return true;
    }
  }
  return false;
}

/**
 * The lines of a module's import declarations (and re-exports), from 1.
 * @param {string} source
 * @returns {Set<number>}
 */
export function importLines(source) {
  const lines = new Set();
  for (const match of source.matchAll(/^import\s*['"][^'"\n]+['"];?|^(?:import|export)\b[^;'"]*?\bfrom\s*['"][^'"\n]+['"];?/gm)) {
    const first = source.slice(0, match.index).split('\n').length;
    const count = match[0].split('\n').length;
    for (let line = first; line < first + count; line++) lines.add(line);
  }
  return lines;
}

/**
 * Whether position a comes before position b.
 * @param {Position} a
 * @param {Position} b
 */
const before = (a, b) => a.line < b.line || (a.line === b.line && a.column < b.column);

/**
 * The smallest of the zones that holds the location (by lines, then columns on the shared lines).
 * @template {{ loc: Location }} T
 * @param {T[]} zones
 * @param {Location} loc
 * @returns {T | undefined}
 */
function innermost(zones, loc) {
  /** @type {T | undefined} */
  let best;
  for (const zone of zones) {
    if (before(loc.start, zone.loc.start) || before(zone.loc.end, loc.end)) continue;
    if (!best || (!before(zone.loc.start, best.loc.start) && !before(best.loc.end, zone.loc.end))) best = zone;
  }
  return best;
}

/**
 * The honest figures of one source file.
 * @param {FileCoverage} dist c8's report of the tsc build
 * @param {FileCoverage | undefined} bundle c8's report of the bundle (absent when no spawned run loaded the file)
 * @param {{ dist?: Positions, bundle?: Positions }} positions
 * @param {string} source the text of the source file
 * @returns {Counts & { uncoveredLines: number[] }}
 */
export function fileCounts(dist, bundle, positions, source) {
  const builds = [positions.dist, positions.bundle];
  const ranOn = (/** @type {number} */ line) => builds.some((p) => p?.ran.has(line));
  const hasCode = (/** @type {number} */ line) => builds.some((p) => p?.code.has(line));
  const ranSomewhere = (/** @type {Location} */ loc) => builds.some((p) => ranInside(p, loc));

  // An import runs when its module loads (esbuild compiles it away): loaded when a build ran any of it.
  const loaded = builds.some((p) => p !== undefined && p.ran.size > 0);
  const imports = loaded ? importLines(source) : new Set();
  /** @type {Map<number, boolean>} */
  const lineCovered = new Map();
  for (const [key, loc] of Object.entries(dist.statementMap)) {
    const line = loc.start.line;
    const covered = (!dist.all && dist.s[key] > 0) || ranOn(line) || imports.has(line);
    lineCovered.set(line, (lineCovered.get(line) ?? false) || covered);
  }
  // A line without code (a comment, a type, a lone brace) follows the code around it.
  const lines = [...lineCovered.keys()].sort((a, b) => a - b);
  const codeLines = lines.filter(hasCode);
  for (const line of lines) {
    if (lineCovered.get(line) || hasCode(line)) continue;
    const after = codeLines.findIndex((l) => l > line);
    const next = after === -1 ? undefined : codeLines[after];
    const previous = after === -1 ? codeLines[codeLines.length - 1] : codeLines[after - 1];
    const around = [previous, next].filter((l) => l !== undefined);
    if (around.length > 0 && around.every((l) => lineCovered.get(/** @type {number} */ (l)))) lineCovered.set(line, true);
  }
  const uncoveredLines = lines.filter((l) => !lineCovered.get(l));

  /**
   * c8's items of one kind in a report.
   * @param {FileCoverage} coverage
   * @param {'functions' | 'branches'} kind
   * @returns {{ loc: Location, count: number }[]}
   */
  const list = (coverage, kind) =>
    kind === 'functions'
      ? Object.entries(coverage.fnMap).map(([k, f]) => ({ loc: f.loc, count: coverage.f[k] }))
      : Object.entries(coverage.branchMap).map(([k, b]) => ({ loc: b.locations[0], count: coverage.b[k][0] }));
  /** @param {'functions' | 'branches'} kind @returns {Count} */
  const items = (kind) => {
    const own = list(dist, kind).map((i) => ({ ...i, covered: (!dist.all && i.count > 0) || ranSomewhere(i.loc), counted: true }));
    // Where the in-process tests never entered (a function dist/ never called, a file it never
    // loaded), V8 reported no inner items for dist/, and no branch at all for a function never
    // called: the bundle's report, where the bundle ran that code, has them. Such a zone gains the
    // bundle's items inside it.
    const uncalled = kind === 'branches' ? list(dist, 'functions').map((i) => ({ ...i, covered: (!dist.all && i.count > 0) || ranSomewhere(i.loc), counted: false })) : [];
    const zones = [...own, ...uncalled].filter((i) => (dist.all || i.count === 0) && i.covered);
    /** @type {boolean[]} */
    const covered = dist.all ? own.filter((i) => !i.covered).map(() => false) : own.map((i) => i.covered);
    for (const item of bundle ? list(bundle, kind) : []) {
      const zone = innermost(zones, item.loc);
      if (!zone) continue; // dist/ ran that code and measured it with its own items
      // The bundle's twin of an item dist/ counted already (remapped a few columns apart).
      if (!dist.all && zone.counted && zone.loc.start.line === item.loc.start.line && zone.loc.end.line === item.loc.end.line) continue;
      covered.push(item.count > 0 || ranSomewhere(item.loc));
    }
    return { total: covered.length, covered: covered.filter(Boolean).length };
  };
  return {
    lines: { total: lines.length, covered: lines.length - uncoveredLines.length },
    functions: items('functions'),
    branches: items('branches'),
    uncoveredLines,
  };
}

/**
 * c8's report of one build alone, as JSON (istanbul's coverage-final.json), keyed by source path.
 * @param {string} root the project: c8 resolves the patterns against it
 * @param {string[]} args c8 report options: which scripts, --all or not
 * @param {string} tempDir raw coverage to read
 * @param {string} reportDir
 * @returns {Record<string, FileCoverage>}
 */
export function c8Report(root, args, tempDir, reportDir) {
  const c8 = createRequire(import.meta.url).resolve('c8/bin/c8.js');
  const run = spawnSync(
    process.execPath,
    [c8, 'report', '--temp-directory', tempDir, '--report-dir', reportDir, '--reporter', 'json', '--no-check-coverage', '--no-exclude-after-remap', ...args],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`c8 report failed: ${run.stderr}`);
  return JSON.parse(readFileSync(join(reportDir, 'coverage-final.json'), 'utf8'));
}

/** @returns {Counts} */
const zero = () => ({ lines: { total: 0, covered: 0 }, functions: { total: 0, covered: 0 }, branches: { total: 0, covered: 0 } });

/** @param {Counts} into @param {Counts} counts */
function add(into, counts) {
  for (const kind of /** @type {const} */ (['lines', 'functions', 'branches'])) {
    into[kind].total += counts[kind].total;
    into[kind].covered += counts[kind].covered;
  }
}

/** @param {Count} count */
export const percent = (count) => (count.total === 0 ? 100 : Math.floor((10000 * count.covered) / count.total) / 100);

/**
 * The honest figures of a c8 run: per source file, per directory and in total.
 * @param {{ root?: string, tempDir?: string, distReport?: string }} [options]
 */
export function measure(options = {}) {
  const root = options.root ?? ROOT;
  const tempDir = options.tempDir ?? join(root, 'coverage', 'tmp');
  // What c8's report of dist/ leaves out (.c8rc.json: the single executable's entry point).
  const config = join(root, '.c8rc.json');
  /** @type {string[]} */
  const excluded = existsSync(config) ? JSON.parse(readFileSync(config, 'utf8')).exclude ?? [] : [];
  const dirs = { dist: join(root, 'dist'), bundle: join(root, 'bundle'), src: join(root, 'src'), skip: excluded.map((path) => join(root, path)) };
  const raw = readRawCoverage(tempDir, dirs);
  const positions = sourcePositions(raw.scripts, dirs);

  // c8's report of dist/ is written by the c8 run itself (.c8rc.json); the bundle's is made here
  // from its scripts alone, so that neither build's items are mixed with the other's.
  const distReport = JSON.parse(readFileSync(options.distReport ?? join(root, 'coverage', 'dist', 'coverage-final.json'), 'utf8'));
  const bundleTemp = join(root, 'coverage', 'bundle-tmp');
  rmSync(bundleTemp, { recursive: true, force: true });
  mkdirSync(bundleTemp, { recursive: true });
  raw.bundleResults.forEach((result, i) => writeFileSync(join(bundleTemp, `coverage-${i}.json`), JSON.stringify(result)));
  const bundleReport = c8Report(root, ['--include', 'bundle/**/*.js', '--include', 'bundle/**/*.mjs', '--no-all'], bundleTemp, join(root, 'coverage', 'bundle'));

  /** @type {Map<string, Counts & { uncoveredLines: number[] }>} */
  const files = new Map();
  for (const [path, dist] of Object.entries(distReport)) {
    if (!path.startsWith(dirs.src + sep)) continue;
    const positionsOf = { dist: positions.dist.get(path), bundle: positions.bundle.get(path) };
    files.set(relative(root, path), fileCounts(dist, bundleReport[path], positionsOf, readFileSync(path, 'utf8')));
  }
  /** @type {Map<string, Counts>} */
  const directories = new Map();
  const total = zero();
  for (const [file, counts] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    const dir = dirname(file);
    if (!directories.has(dir)) directories.set(dir, zero());
    add(/** @type {Counts} */ (directories.get(dir)), counts);
    add(total, counts);
  }
  const alone = { dist: buildAlone(distReport, dirs.src), bundle: buildAlone(bundleReport, dirs.src) };
  return { files, directories, total, alone, processes: raw.processes };
}

/**
 * c8's own figures of one build's report, for comparison (lines and branches as c8 counts them;
 * the bundle's only over the files a spawned run loaded).
 * @param {Record<string, FileCoverage>} report
 * @param {string} srcDir
 * @returns {Counts}
 */
function buildAlone(report, srcDir) {
  const counts = zero();
  for (const [path, c] of Object.entries(report)) {
    if (!path.startsWith(srcDir + sep)) continue;
    const s = Object.values(c.s);
    const f = Object.values(c.f);
    const b = Object.values(c.b).flat();
    add(counts, {
      lines: { total: s.length, covered: s.filter((n) => n > 0).length },
      functions: { total: f.length, covered: f.filter((n) => n > 0).length },
      branches: { total: b.length, covered: b.filter((n) => n > 0).length },
    });
  }
  return counts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { files, directories, total, alone, processes } = measure();
  const width = process.argv.includes('--files') ? 34 : 16;
  const row = (/** @type {string} */ name, /** @type {Counts} */ c) =>
    `${name.padEnd(width)} ${percent(c.lines).toFixed(2).padStart(7)} % ${`${c.lines.covered}/${c.lines.total}`.padStart(12)}` +
    ` ${percent(c.branches).toFixed(2).padStart(7)} % ${`${c.branches.covered}/${c.branches.total}`.padStart(10)}` +
    ` ${percent(c.functions).toFixed(2).padStart(7)} % ${`${c.functions.covered}/${c.functions.total}`.padStart(9)}`;
  const out = [`coverage of src/: tsc build (in-process runs) and bundle (spawned runs) of ${processes} processes, merged by source position`];
  out.push(`${''.padEnd(width)} ${'lines'.padStart(22)} ${'branches'.padStart(20)} ${'functions'.padStart(19)}`);
  for (const [dir, counts] of directories) out.push(row(dir, counts));
  out.push(row('total', total));
  out.push(row('(dist/ alone)', alone.dist), row('(bundle/ alone)', alone.bundle));
  out.push("the gate reads the total; the last two rows are c8's own figures of each build, the bundle's over the files spawned runs loaded");
  if (process.argv.includes('--files')) {
    for (const [file, counts] of files) if (counts.uncoveredLines.length > 0) out.push(`${row(file.replace(/^src\//, ''), counts)}  uncovered: ${counts.uncoveredLines.join(',')}`);
  }
  process.stdout.write(out.join('\n') + '\n');
  const low = /** @type {const} */ (['lines', 'branches']).filter((kind) => percent(total[kind]) < GATE[kind]);
  for (const kind of low) process.stderr.write(`coverage: ${kind} ${percent(total[kind])} % is below the gate of ${GATE[kind]} %\n`);
  process.exitCode = low.length > 0 ? 1 : 0;
}
