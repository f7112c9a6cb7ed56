// The proc_wrapper comparison table: one data set served by the loopback fake (and a few files),
// and rows of `NAME_FOR_PROC_WRAPPER_TO_RESOLVE=location` with what CloudReactor proc_wrapper 6.0.2
// (ConfigResolver, default settings, commit 6eb23be) set NAME to, taken by running its resolver
// once against the same fake with this machine's Python (boto3, jsonpath_ng, PyYAML,
// python-dotenv). `vault` and `why` mark the rows where vault differs on purpose.
// runtime-proc-wrapper.test.mjs replays every row through vault exec; docs/runtime.md shows the table;
// test/proc-wrapper-record.mjs re-records the proc_wrapper column from a proc_wrapper checkout.

export const SM_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:pw/db-AbCdEf';

export const DATA = {
  parameters: {
    '/pw/plain': { value: 'plain-value', type: 'String' },
    '/pw/secure': 'secure-value',
    '/pw/list': { value: 'a,b,c', type: 'StringList' },
    '/pw/conf.json': '{"a": {"b": "deep"}, "n": 1}',
  },
  secrets: {
    'pw/db': '{"host": "db.internal", "port": 5432, "big": 12345678901234567890, "flag": true, "ratio": 1.5, "tiny": 0.00001, "list": ["r1", "r2"], "nested": {"k": "é"}, "nothing": null, "user-name": "app"}',
    'pw/text': 'just text',
  },
  objects: {
    'bucket/app.env': { body: 'A=from-s3\nB="two words"\n', versions: { v1: 'A=version-one\n' } },
    'bucket/conf.data': { body: '{"k": "typed by content-type"}', contentType: 'application/json' },
    'bucket/conf.yaml': { body: 'on_value: yes\nnum: 010\nlist: [1, 2]\n' },
  },
  configurations: {
    'app/prod/profile': { body: '{"feature": {"enabled": false, "level": 3}}', contentType: 'application/json' },
  },
};

/** Files the rows read; {DIR} in a location is the directory that holds them. */
export const FILES = {
  'conf.yaml': 'x: from-file\nflag: no\n',
  'data.txt': 'raw file text\n',
};

/** Variables the environment has besides the rows (ENV: reads them). */
export const BASE_ENV = { OTHER: 'other-value', OTHER_JSON: '{"a": [1, 2]}' };

/**
 * @typedef {{ name: string, value: string } | { failed: true } | { refused: true } | { exception: string }} Outcome
 * @typedef {{ variable: string, location: string, procWrapper: Outcome, vault?: Outcome, why?: string }} Row
 */

/** proc_wrapper resolves the variables whose names end so, into the name before it. */
const TO_RESOLVE = '_FOR_PROC_WRAPPER_TO_RESOLVE';

/** The variable NAME set to VALUE. @param {string} name @param {string} value @returns {Outcome} */
const sets = (name, value) => ({ name, value });
/** @type {Outcome} */
const FAILED = { failed: true };
/** @type {Outcome} */
const REFUSED = { refused: true };

/**
 * A row: STEM_FOR_PROC_WRAPPER_TO_RESOLVE=LOCATION and what proc_wrapper did, either the value it
 * set STEM to or an Outcome; DIFFERENCE is what vault does instead, and why.
 * @param {string} stem
 * @param {string} location
 * @param {string | Outcome} procWrapper
 * @param {{ vault: Outcome, why: string }} [difference]
 * @returns {Row}
 */
function row(stem, location, procWrapper, difference) {
  const outcome = typeof procWrapper === 'string' ? sets(stem, procWrapper) : procWrapper;
  return { variable: `${stem}${TO_RESOLVE}`, location, procWrapper: outcome, ...difference };
}

/** @type {Row[]} */
export const ROWS = [
  row("DB_HOST", `${SM_ARN}|JP:$.host`, "db.internal"),
  row("DB_PORT", `${SM_ARN}|JP:$.port`, "5432"),
  row("BIG", `${SM_ARN}|JP:$.big`, "12345678901234567890"),
  row("FLAG", `${SM_ARN}|JP:$.flag`, "TRUE"),
  row("RATIO", `${SM_ARN}|JP:$.ratio`, "1.5"),
  row("TINY", `${SM_ARN}|JP:$.tiny`, "1e-05"),
  row("LIST", `${SM_ARN}|JP:$.list`, "[\"r1\", \"r2\"]"),
  row("LIST_SPLAT", `${SM_ARN}|JP:$.list[*]`, "[[\"r1\", \"r2\"]]"),
  row("FIRST", `${SM_ARN}|JP:$.list[0]`, "r1"),
  row("NESTED", `${SM_ARN}|JP:$.nested`, "{\"k\": \"\\u00e9\"}"),
  row("NOTHING", `${SM_ARN}|JP:$.nothing`, ""),
  row("DESCENDANT", `${SM_ARN}|JP:$..k`, "é"),
  row("DASHED", `${SM_ARN}|JP:$.user-name`, "app"),
  row("MISSING_KEY", `${SM_ARN}|JP:$.missing`, `${SM_ARN}|JP:$.missing`, { vault: FAILED, why: "a selector that matches nothing is \"unresolved\" to proc_wrapper, which then sets the variable to the location text and starts; vault fails closed" }),
  row("WHOLE", `${SM_ARN}`, "{\"host\": \"db.internal\", \"port\": 5432, \"big\": 12345678901234567890, \"flag\": true, \"ratio\": 1.5, \"tiny\": 0.00001, \"list\": [\"r1\", \"r2\"], \"nested\": {\"k\": \"é\"}, \"nothing\": null, \"user-name\": \"app\"}"),
  row("SELF", `${SM_ARN}|SELF`, "{\"host\": \"db.internal\", \"port\": 5432, \"big\": 12345678901234567890, \"flag\": true, \"ratio\": 1.5, \"tiny\": 1e-05, \"list\": [\"r1\", \"r2\"], \"nested\": {\"k\": \"\\u00e9\"}, \"nothing\": null, \"user-name\": \"app\"}"),
  row("PARTIAL_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:pw/db|JP:$.host", "db.internal"),
  row("SM_JSON_FORMAT", `${SM_ARN}!json|JP:$.port`, "5432"),
  row("SM_NAME", "AWS_SM:pw/text", "just text"),
  row("AWS_SM_LEGACY", "pw/text", sets("LEGACY", "just text")),
  row("SM_ABSENT", "AWS_SM:pw/absent", FAILED),
  row("SSM_PREFIX", "AWS_SSM:/pw/plain", "plain-value"),
  row("SSM_SHORT", "ssm:/pw/secure", "secure-value"),
  row("SSM_ARN", "arn:aws:ssm:us-east-1:123456789012:parameter/pw/plain", "plain-value"),
  row("SSM_SLASHES", "ssm:///pw/plain", FAILED, { vault: sets("SSM_SLASHES", "plain-value"), why: "proc_wrapper asks SSM for \"///pw/plain\", which does not exist; vault reads ssm://NAME as ssm-env does" }),
  row("SSM_LIST", "ssm:/pw/list", "[\"a\", \"b\", \"c\"]"),
  row("SSM_LIST_ITEM", "ssm:/pw/list|JP:$[1]", "b"),
  row("SSM_JSON_NAME", "ssm:/pw/conf.json", "{\"a\": {\"b\": \"deep\"}, \"n\": 1}"),
  row("SSM_JSON_PATH", "ssm:/pw/conf.json|JP:$.a.b", "deep"),
  row("SSM_MISSING", "ssm:/pw/missing", FAILED),
  row("S3_ENV", "arn:aws:s3:::bucket/app.env|JP:$.B", "two words"),
  row("S3_VERSION", "arn:aws:s3:::bucket/app.env#v1|JP:$.A", FAILED, { vault: sets("S3_VERSION", "version-one"), why: "proc_wrapper fails on #VERSION (boto3's ObjectVersion has no content_encoding); vault reads the version" }),
  row("S3_TYPED", "arn:aws:s3:::bucket/conf.data|JP:$.k", "typed by content-type"),
  row("S3_YAML", "arn:aws:s3:::bucket/conf.yaml", "{\"on_value\": true, \"num\": 8, \"list\": [1, 2]}"),
  row("S3_YAML_ON", "arn:aws:s3:::bucket/conf.yaml|JP:$.on_value", "TRUE"),
  row("S3_YAML_OCTAL", "arn:aws:s3:::bucket/conf.yaml|JP:$.num", "8"),
  row("APPCONFIG", "aws:appconfig:app/prod/profile|JP:$.feature.enabled", "FALSE"),
  row("APPCONFIG_WHOLE", "aws:appconfig:app/prod/profile", "{\"feature\": {\"enabled\": false, \"level\": 3}}"),
  row("ENV_REF", "ENV:OTHER", sets("REF", "other-value")),
  row("ENV_JSON", "ENV:OTHER_JSON|JP:$.a", sets("JSON", "[1, 2]")),
  row("ENV_UNSET", "ENV:NOT_SET_ANYWHERE", "ENV:NOT_SET_ANYWHERE", { vault: FAILED, why: "as above: proc_wrapper passes the location text on as the value; vault fails closed" }),
  row("PLAIN_TEXT", "PLAIN:hello", sets("TEXT", "hello")),
  row("PLAIN_JSON", "PLAIN:{\"a\": [1, 2]}|JP:$.a[*]", sets("JSON", "[[1, 2]]")),
  row("PLAIN_SELF", "PLAIN:{\"a\":1,\"b\":\"ü\"}|SELF", sets("SELF", "{\"a\": 1, \"b\": \"\\u00fc\"}")),
  row("PLAIN_YAML", "PLAIN:a: 1!yaml|JP:$.a", sets("YAML", "1")),
  row("FILE_URL", "file://{DIR}/conf.yaml|JP:$.x", sets("URL", "from-file")),
  row("FILE_BARE", "{DIR}/conf.yaml|JP:$.flag", sets("BARE", "FALSE")),
  row("FILE_TEXT", "{DIR}/data.txt", sets("TEXT", "raw file text\n")),
  row("BAD_TRANSFORM", "PLAIN:x|upper", FAILED, { vault: REFUSED, why: "both refuse to start; vault before fetching anything, with exit 3" }),
];
