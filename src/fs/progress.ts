/**
 * A one-line progress bar for bulk commands (encrypt, decrypt, migrate, rekey, rotate over many files). It draws on stderr
 * and only when stderr is a terminal: on a pipe or in CI it prints nothing, so logs and scripts
 * see only the command's real output. It never shows file contents, only counts and paths.
 */

/** The part of a stream the bar needs; the run's standard error in real use. */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  /** One more item done; `label` (a path) is shown after the counts. */
  tick(label?: string): void;
  /** Erase the bar so the next message starts on a clean line. */
  done(): void;
  /** Print a line of TEXT (with its newline) above the bar; the next tick draws the bar again. */
  print(text: string): void;
}

/** Redraw at most this often: a terminal write per file would dominate a fast bulk run. */
const REDRAW_MS = 50;

/** A bar for `total` items titled `title` ("rotate"), or a silent one when not on a TTY. */
export function createProgress(
  total: number,
  title: string,
  stream: ProgressStream,
  now: () => number = Date.now,
): Progress {
  if (!stream.isTTY || total <= 1) return { tick() {}, done() {}, print: (text) => void stream.write(text) };
  let count = 0;
  let lastDraw = -Infinity;
  let drawn = false;
  const draw = (label: string): void => {
    const width = Math.max(40, stream.columns ?? 80);
    const counts = `${count}/${total}`;
    const barWidth = Math.min(30, Math.max(10, width - title.length - counts.length - 30));
    const filled = Math.round((count / total) * barWidth);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]`;
    let line = `${title} ${bar} ${counts}`;
    const room = width - line.length - 2;
    if (label && room > 4) line += ` ${label.length > room ? `…${label.slice(label.length - room + 1)}` : label}`;
    // \r then erase-to-end-of-line: the bar overwrites itself in place.
    stream.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    tick(label = '') {
      count = Math.min(total, count + 1);
      const time = now();
      if (count === total || time - lastDraw >= REDRAW_MS) {
        lastDraw = time;
        draw(label);
      }
    },
    done() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
    print(text) {
      this.done();
      stream.write(text);
      lastDraw = -Infinity;
    },
  };
}
