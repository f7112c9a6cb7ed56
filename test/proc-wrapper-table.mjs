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
 * @type {Row[]}
 */
export const ROWS = [
  { variable: "DB_HOST_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.host`, procWrapper: { name: "DB_HOST", value: "db.internal" } },
  { variable: "DB_PORT_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.port`, procWrapper: { name: "DB_PORT", value: "5432" } },
  { variable: "BIG_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.big`, procWrapper: { name: "BIG", value: "12345678901234567890" } },
  { variable: "FLAG_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.flag`, procWrapper: { name: "FLAG", value: "TRUE" } },
  { variable: "RATIO_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.ratio`, procWrapper: { name: "RATIO", value: "1.5" } },
  { variable: "TINY_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.tiny`, procWrapper: { name: "TINY", value: "1e-05" } },
  { variable: "LIST_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.list`, procWrapper: { name: "LIST", value: "[\"r1\", \"r2\"]" } },
  { variable: "LIST_SPLAT_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.list[*]`, procWrapper: { name: "LIST_SPLAT", value: "[[\"r1\", \"r2\"]]" } },
  { variable: "FIRST_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.list[0]`, procWrapper: { name: "FIRST", value: "r1" } },
  { variable: "NESTED_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.nested`, procWrapper: { name: "NESTED", value: "{\"k\": \"\\u00e9\"}" } },
  { variable: "NOTHING_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.nothing`, procWrapper: { name: "NOTHING", value: "" } },
  { variable: "DESCENDANT_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$..k`, procWrapper: { name: "DESCENDANT", value: "é" } },
  { variable: "DASHED_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.user-name`, procWrapper: { name: "DASHED", value: "app" } },
  { variable: "MISSING_KEY_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|JP:$.missing`, procWrapper: { name: "MISSING_KEY", value: `${SM_ARN}|JP:$.missing` }, vault: { failed: true }, why: "a selector that matches nothing is \"unresolved\" to proc_wrapper, which then sets the variable to the location text and starts; vault fails closed" },
  { variable: "WHOLE_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}`, procWrapper: { name: "WHOLE", value: "{\"host\": \"db.internal\", \"port\": 5432, \"big\": 12345678901234567890, \"flag\": true, \"ratio\": 1.5, \"tiny\": 0.00001, \"list\": [\"r1\", \"r2\"], \"nested\": {\"k\": \"é\"}, \"nothing\": null, \"user-name\": \"app\"}" } },
  { variable: "SELF_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}|SELF`, procWrapper: { name: "SELF", value: "{\"host\": \"db.internal\", \"port\": 5432, \"big\": 12345678901234567890, \"flag\": true, \"ratio\": 1.5, \"tiny\": 1e-05, \"list\": [\"r1\", \"r2\"], \"nested\": {\"k\": \"\\u00e9\"}, \"nothing\": null, \"user-name\": \"app\"}" } },
  { variable: "PARTIAL_ARN_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:secretsmanager:us-east-1:123456789012:secret:pw/db|JP:$.host", procWrapper: { name: "PARTIAL_ARN", value: "db.internal" } },
  { variable: "SM_JSON_FORMAT_FOR_PROC_WRAPPER_TO_RESOLVE", location: `${SM_ARN}!json|JP:$.port`, procWrapper: { name: "SM_JSON_FORMAT", value: "5432" } },
  { variable: "SM_NAME_FOR_PROC_WRAPPER_TO_RESOLVE", location: "AWS_SM:pw/text", procWrapper: { name: "SM_NAME", value: "just text" } },
  { variable: "AWS_SM_LEGACY_FOR_PROC_WRAPPER_TO_RESOLVE", location: "pw/text", procWrapper: { name: "LEGACY", value: "just text" } },
  { variable: "SM_ABSENT_FOR_PROC_WRAPPER_TO_RESOLVE", location: "AWS_SM:pw/absent", procWrapper: { failed: true } },
  { variable: "SSM_PREFIX_FOR_PROC_WRAPPER_TO_RESOLVE", location: "AWS_SSM:/pw/plain", procWrapper: { name: "SSM_PREFIX", value: "plain-value" } },
  { variable: "SSM_SHORT_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/secure", procWrapper: { name: "SSM_SHORT", value: "secure-value" } },
  { variable: "SSM_ARN_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:ssm:us-east-1:123456789012:parameter/pw/plain", procWrapper: { name: "SSM_ARN", value: "plain-value" } },
  { variable: "SSM_SLASHES_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:///pw/plain", procWrapper: { failed: true }, vault: { name: "SSM_SLASHES", value: "plain-value" }, why: "proc_wrapper asks SSM for \"///pw/plain\", which does not exist; vault reads ssm://NAME as ssm-env does" },
  { variable: "SSM_LIST_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/list", procWrapper: { name: "SSM_LIST", value: "[\"a\", \"b\", \"c\"]" } },
  { variable: "SSM_LIST_ITEM_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/list|JP:$[1]", procWrapper: { name: "SSM_LIST_ITEM", value: "b" } },
  { variable: "SSM_JSON_NAME_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/conf.json", procWrapper: { name: "SSM_JSON_NAME", value: "{\"a\": {\"b\": \"deep\"}, \"n\": 1}" } },
  { variable: "SSM_JSON_PATH_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/conf.json|JP:$.a.b", procWrapper: { name: "SSM_JSON_PATH", value: "deep" } },
  { variable: "SSM_MISSING_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ssm:/pw/missing", procWrapper: { failed: true } },
  { variable: "S3_ENV_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/app.env|JP:$.B", procWrapper: { name: "S3_ENV", value: "two words" } },
  { variable: "S3_VERSION_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/app.env#v1|JP:$.A", procWrapper: { failed: true }, vault: { name: "S3_VERSION", value: "version-one" }, why: "proc_wrapper fails on #VERSION (boto3's ObjectVersion has no content_encoding); vault reads the version" },
  { variable: "S3_TYPED_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/conf.data|JP:$.k", procWrapper: { name: "S3_TYPED", value: "typed by content-type" } },
  { variable: "S3_YAML_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/conf.yaml", procWrapper: { name: "S3_YAML", value: "{\"on_value\": true, \"num\": 8, \"list\": [1, 2]}" } },
  { variable: "S3_YAML_ON_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/conf.yaml|JP:$.on_value", procWrapper: { name: "S3_YAML_ON", value: "TRUE" } },
  { variable: "S3_YAML_OCTAL_FOR_PROC_WRAPPER_TO_RESOLVE", location: "arn:aws:s3:::bucket/conf.yaml|JP:$.num", procWrapper: { name: "S3_YAML_OCTAL", value: "8" } },
  { variable: "APPCONFIG_FOR_PROC_WRAPPER_TO_RESOLVE", location: "aws:appconfig:app/prod/profile|JP:$.feature.enabled", procWrapper: { name: "APPCONFIG", value: "FALSE" } },
  { variable: "APPCONFIG_WHOLE_FOR_PROC_WRAPPER_TO_RESOLVE", location: "aws:appconfig:app/prod/profile", procWrapper: { name: "APPCONFIG_WHOLE", value: "{\"feature\": {\"enabled\": false, \"level\": 3}}" } },
  { variable: "ENV_REF_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ENV:OTHER", procWrapper: { name: "REF", value: "other-value" } },
  { variable: "ENV_JSON_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ENV:OTHER_JSON|JP:$.a", procWrapper: { name: "JSON", value: "[1, 2]" } },
  { variable: "ENV_UNSET_FOR_PROC_WRAPPER_TO_RESOLVE", location: "ENV:NOT_SET_ANYWHERE", procWrapper: { name: "ENV_UNSET", value: "ENV:NOT_SET_ANYWHERE" }, vault: { failed: true }, why: "as above: proc_wrapper passes the location text on as the value; vault fails closed" },
  { variable: "PLAIN_TEXT_FOR_PROC_WRAPPER_TO_RESOLVE", location: "PLAIN:hello", procWrapper: { name: "TEXT", value: "hello" } },
  { variable: "PLAIN_JSON_FOR_PROC_WRAPPER_TO_RESOLVE", location: "PLAIN:{\"a\": [1, 2]}|JP:$.a[*]", procWrapper: { name: "JSON", value: "[[1, 2]]" } },
  { variable: "PLAIN_SELF_FOR_PROC_WRAPPER_TO_RESOLVE", location: "PLAIN:{\"a\":1,\"b\":\"ü\"}|SELF", procWrapper: { name: "SELF", value: "{\"a\": 1, \"b\": \"\\u00fc\"}" } },
  { variable: "PLAIN_YAML_FOR_PROC_WRAPPER_TO_RESOLVE", location: "PLAIN:a: 1!yaml|JP:$.a", procWrapper: { name: "YAML", value: "1" } },
  { variable: "FILE_URL_FOR_PROC_WRAPPER_TO_RESOLVE", location: "file://{DIR}/conf.yaml|JP:$.x", procWrapper: { name: "URL", value: "from-file" } },
  { variable: "FILE_BARE_FOR_PROC_WRAPPER_TO_RESOLVE", location: "{DIR}/conf.yaml|JP:$.flag", procWrapper: { name: "BARE", value: "FALSE" } },
  { variable: "FILE_TEXT_FOR_PROC_WRAPPER_TO_RESOLVE", location: "{DIR}/data.txt", procWrapper: { name: "TEXT", value: "raw file text\n" } },
  { variable: "BAD_TRANSFORM_FOR_PROC_WRAPPER_TO_RESOLVE", location: "PLAIN:x|upper", procWrapper: { failed: true }, vault: { refused: true }, why: "both refuse to start; vault before fetching anything, with exit 3" },
];
