import { isPublicAddress } from './url.ts';

/** Kinds of attack {@link detectAttack} recognises. */
export type AttackType = 'sqli' | 'xss' | 'path_traversal' | 'cmd_injection' | 'ssrf';

/** One matched detection rule. */
export interface AttackMatch {
  type: AttackType;
  /** Stable rule id, e.g. `sqli_union_select`. */
  rule: string;
  /** How much this rule adds to the score. */
  weight: number;
  /** Up to 48 characters of the normalised input around the match (control characters escaped). */
  excerpt: string;
}

/** Result of {@link detectAttack}. */
export interface Detection {
  /** Sum of the matched rules' weights, capped at 100. */
  score: number;
  /** True when `score` reaches the threshold (default {@link DEFAULT_THRESHOLD}). */
  detected: boolean;
  /** Every rule that matched, strongest first. Low-weight rules may match benign text: use `detected`. */
  attacks: AttackMatch[];
  /** True when the input was longer than `maxLength` and only its first `maxLength` characters were scanned. */
  truncated: boolean;
}

/** Options for {@link detectAttack}. */
export interface DetectOptions {
  /** Score at which `detected` becomes true. Default 8. */
  threshold?: number;
  /** Characters scanned per call (longer input is cut, `truncated: true`). Default 65,536. */
  maxLength?: number;
  /** Only these attack types. Default all. */
  types?: readonly AttackType[];
}

/** Default score threshold: one strong rule, or two weak ones together. */
export const DEFAULT_THRESHOLD = 8;
const DEFAULT_MAX_LENGTH = 65_536;

type Variant = 'norm' | 'compact' | 'path' | 'raw' | 'joined' | 'commented' | 'prose' | 'token';

interface Rule {
  id: string;
  type: AttackType;
  weight: number;
  on: Variant;
  /** Cheap pre-check: the rule can only match when this matches too (skips most rules on ordinary text). */
  gate?: RegExp;
  re: RegExp;
  /** Extra condition on a match (false: the match does not count). */
  accept?: (text: string, match: RegExpExecArray) => boolean;
}

/**
 * An attribute breakout closes a quote the input did not open (`"><svg …`, `x' onfocus=…`).
 * A quote that closes `href="…"` written in the same input is markup, not a breakout
 * (`<a href="…"><img src="…"></a>` in a README).
 */
function closesForeignQuote(text: string, match: RegExpExecArray): boolean {
  const quote = match[0][0]!;
  let count = 0;
  for (let i = text.indexOf(quote); i !== -1 && i < match.index; i = text.indexOf(quote, i + 1)) count++;
  return count % 2 === 0;
}

// Every pattern below is written to run in linear time on a backtracking engine: no
// nested quantifiers, every repetition bounded ({0,N} with small N) unless the repeated
// class cannot overlap what follows. `src/input/detect.test.ts` checks 100 KB adversarial
// inputs against each rule.
const CMD =
  '(?:cat|ls|id|whoami|uname|pwd|ping|curl|wget|nc|ncat|netcat|bash|sh|zsh|ksh|python[23]?|perl|ruby|php|powershell|cmd(?:\\.exe)?|sleep|echo|dir|ipconfig|ifconfig|netstat|net|nslookup|reg|sysinfo|systeminfo|tasklist|rm|chmod|chown|mkfifo|telnet|base64|eval|exec|system|passthru|phpinfo|netsh|uname|hostname|xterm|nohup|certutil|bitsadmin|wmic)';
const EVENTS =
  '(?:abort|activate|afterprint|animation(?:start|end|iteration)|auxclick|before(?:copy|cut|input|paste|print|toggle|unload)|begin|blur|bounce|canplay(?:through)?|change|click|close|contextmenu|copy|cuechange|cut|dblclick|drag(?:end|enter|leave|over|start)?|drop|durationchange|emptied|end|ended|error|finish|focus(?:in|out)?|formchange|forminput|fullscreenchange|hashchange|input|invalid|key(?:down|press|up)|load(?:eddata|edmetadata|end|start)?|message|mouse(?:down|enter|leave|move|out|over|up|wheel)|offline|online|pagehide|pageshow|paste|pause|play(?:ing)?|pointer(?:down|enter|leave|move|out|over|rawupdate|up)|popstate|progress|ratechange|readystatechange|repeat|reset|resize|scroll(?:end)?|search|seek(?:ed|ing)|select(?:start|ionchange)?|show|stalled|start|storage|submit|suspend|timeupdate|toggle|touch(?:start|end|move|cancel)|transition(?:end|run|start|cancel)|unload|volumechange|waiting|wheel|securitypolicyviolation|contentvisibilityautostatechange)';

const RULES: readonly Rule[] = [
  // ── XSS ──────────────────────────────────────────────────────────────
  { id: 'xss_script_tag', type: 'xss', weight: 10, on: 'norm', gate: /<|\+adw-/, re: /<\s?\/?\s?script\b|\+adw-script/ },
  { id: 'xss_event_handler', type: 'xss', weight: 10, on: 'norm', gate: /</, re: new RegExp(`<[a-z!][^<>]{0,300}?[\\s/"'\`]on${EVENTS}\\s?=`) },
  { id: 'xss_event_attribute', type: 'xss', weight: 8, on: 'norm', gate: /=/, re: new RegExp(`(?:^|["'\`;/])\\s?on${EVENTS}\\s?=\\s?["'\`]?[\\w$(\\[{!]`) },
  { id: 'xss_script_url', type: 'xss', weight: 10, on: 'compact', gate: /:/, re: /(?:^|[="'`(<,;\][])(?:javascript|vbscript|livescript|mocha):/ },
  { id: 'xss_script_url_text', type: 'xss', weight: 10, on: 'norm', gate: /:/, re: /(?:^|[\s"'`=(<,;])(?:javascript|vbscript|livescript):(?!\s)/ },
  {
    id: 'xss_data_html',
    type: 'xss',
    weight: 10,
    on: 'compact',
    gate: /:/,
    re: /data:(?:text\/html|image\/svg\+xml|text\/javascript|application\/(?:x-)?(?:javascript|ecmascript|xhtml\+xml))/,
  },
  {
    id: 'xss_active_tag',
    type: 'xss',
    weight: 8,
    on: 'norm',
    gate: /</,
    re: /<\s?(?:iframe|frame|frameset|object|embed|applet|base|isindex|xml|layer|bgsound|portal|import)\b/,
  },
  {
    id: 'xss_markup_tag',
    type: 'xss',
    weight: 5,
    on: 'norm',
    gate: /</,
    re: /<\s?(?:svg|math|style|link|meta|form|template|noscript|xmp|plaintext|marquee|listing|comment|keygen|details|video|audio|source|body|img|image|input|textarea|select|option|button|a\s)[\s/>]/,
  },
  { id: 'xss_css_expression', type: 'xss', weight: 8, on: 'compact', gate: /[(:@]|-moz-binding/, re: /expression\(|-moz-binding|behavior:url|@import['"(u]/ },
  {
    id: 'xss_js_sink',
    type: 'xss',
    weight: 4,
    on: 'norm',
    gate: /[(`.=]/,
    re: /\b(?:alert|prompt|confirm)\s?(?:\(|`)|document\s?\.\s?(?:cookie|write|domain|location)|\bfromcharcode\s?\(|\beval\s?\(|\bimportscripts\s?\(|\.innerhtml\s?=|\bsettimeout\s?\(\s?['"`]|\bnew\s+function\s?\(/,
  },
  { id: 'xss_dangerous_attribute', type: 'xss', weight: 5, on: 'norm', re: /[\s/"'`](?:srcdoc|formaction|http-equiv|xlink:href|dynsrc|lowsrc|autofocus)\s?=?/ },
  { id: 'xss_attribute_breakout', type: 'xss', weight: 4, on: 'norm', gate: />/, re: /["'`]\s?\/?>\s?</, accept: closesForeignQuote },
  // ── SQL injection ────────────────────────────────────────────────────
  { id: 'sqli_union_select', type: 'sqli', weight: 10, on: 'norm', gate: /union/, re: /\bunion(?:\s(?:all|distinct))?\s?\(?\s?select\b/ },
  { id: 'sqli_split_keyword', type: 'sqli', weight: 10, on: 'joined', gate: /union/, re: /(?<![a-z])union(?:all|distinct)?\(?select(?![a-z])/ },
  // `sel/**/ect/**/*`: only where comments split the text (`select * from t` is a query a developer writes, not a probe).
  { id: 'sqli_split_select', type: 'sqli', weight: 10, on: 'commented', gate: /select/, re: /(?<![a-z])select\(?(?:\*|@@|null,)/ },
  {
    id: 'sqli_tautology',
    type: 'sqli',
    weight: 10,
    on: 'norm',
    gate: /['"`]/,
    re: /['"`]\s?\){0,3}\s?(?:or|and|xor|\|\||&&)\s?\({0,3}\s?(?:['"`][^'"`]{0,30}['"`]|[\w.]{1,30})\s?\){0,3}\s?(?:=(?!=)|<>|!=(?!=)|<=|>=|<|>|\blike\b|\bis\b|\bbetween\b|\bin\s?\()/,
  },
  {
    id: 'sqli_quote_boolean',
    type: 'sqli',
    weight: 10,
    on: 'norm',
    gate: /['"`]/,
    re: /['"`]\s?\){0,3}\s?(?:or|and|\|\||&&)\s?\({0,3}\s?(?:true\b|false\b|null\b|not\s|exists\s?\(|\(\s?exists\b|\(\s?select\b|(?:pg_)?sleep\s?\(|benchmark\s?\(|\d{1,10}\s?(?:--|#|;|\/\*|$))/,
  },
  {
    id: 'sqli_numeric_tautology',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /=|like/,
    re: /(?:^|[\s)'"`])(?:or|and|xor|\|\||&&)\s\(?\s?(\d{1,10}|[a-z]{1,10})\s?(?:=|<=|>=|like)\s?\(?\s?\1(?![\w.])/,
  },
  {
    id: 'sqli_bare_boolean',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /\b(?:or|and)\s/,
    re: /(?:^|[\s)])(?:or|and)\s(?:(?:true|false)\s?(?:--|#|\/\*)|\d{1,10}\sbetween\s\d|\(?\s?'[^']{0,30}'\s?(?:=|<>|>|<|\bin\s?\(|\blike\b)|(?:isnull|ifnull|nullif|coalesce|exists)\s?\(|\(\s?exists\s?\)|\d{1,10}\s?(?:--|#|\/\*))/,
  },
  {
    id: 'sqli_subselect',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /select|declare/,
    re: /\bin\s?\(\s?select\b|['"`]\s?\(\s?select\b|\bdeclare\s@\w{1,30}\s(?:n?varchar|n?char|int|table|sysname|cursor)\b/,
  },
  { id: 'sqli_quoted_equality', type: 'sqli', weight: 8, on: 'norm', gate: /['"`]/, re: /(['"`])([\w%]{0,20})\1\s?(?:=|<>|like)\s?\1\2(?:\1|$)/ },
  { id: 'sqli_comment_after_quote', type: 'sqli', weight: 8, on: 'norm', gate: /['"`]/, re: /^[\w@.+-]{1,64}['"`]\s?\){0,3}\s?(?:--|#|\/\*|;)/ },
  { id: 'sqli_quote_comment', type: 'sqli', weight: 4, on: 'norm', gate: /['"`]/, re: /['"`]\s?\){0,3}\s?;?\s?(?:--|#|\/\*)/ },
  // A delay function in an SQL position (after a boolean, a quote, `;`, `(`, `,`, `=`, `select`…), not `the sleep(5) call`.
  {
    id: 'sqli_time_delay',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /\(|waitfor/,
    re: /(?:\b(?:and|or|xor|not|select|by|if|then|else|when|case)|[;'"`(),=|&+-])\s?(?:pg_sleep|sleep|benchmark|randomblob|dbms_lock\.sleep)\s?\(\s?\d|^(?:pg_sleep|sleep|benchmark|randomblob|dbms_lock\.sleep)\s?\(\s?\d|\bwaitfor\s(?:delay|time)\s?['"]/,
  },
  {
    id: 'sqli_stacked_ddl',
    type: 'sqli',
    weight: 10,
    on: 'norm',
    gate: /;/,
    re: /;\s?(?:drop|truncate|alter|create|rename)\s(?:table|database|schema|user|view|index|procedure|function)\b/,
  },
  {
    id: 'sqli_stacked_query',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /;/,
    re: /;\s?(?:insert\s(?:into\s)?[\w.`"[\]]{1,64}\s?(?:\(|values|select)|delete\sfrom\s|update\s[\w.`"[\]]{1,64}\sset\s|exec(?:ute)?\s|declare\s@|shutdown\b|select\s(?:\*|@@|[\w]{1,40}\s?\(|null\b|\d))/,
  },
  // A system object used as one (dotted, called, selected from), or a server variable.
  {
    id: 'sqli_system_object',
    type: 'sqli',
    weight: 10,
    on: 'norm',
    re: /\b(?:information_schema|sysobjects|syscolumns|sys\.(?:tables|objects|databases)|pg_catalog|pg_shadow|sqlite_master|mysql\.user|all_tables|user_tables|xp_cmdshell|xp_regread|xp_dirtree|sp_password|sp_executesql|sp_oacreate|load_file|utl_http|utl_inaddr|dbms_pipe|extractvalue|updatexml|into\s(?:out|dump)file|group_concat|json_keys)\b(?=\s?[.(])|(?:\b(?:from|join|into|exec(?:ute)?)\s|(?:--|#|;|['")])\s?)(?:information_schema|sysobjects|syscolumns|sys\.(?:tables|objects|databases)|pg_catalog|pg_shadow|sqlite_master|mysql\.user|all_tables|user_tables|xp_cmdshell|xp_regread|xp_dirtree|sp_password|sp_executesql|sp_oacreate|load_file|utl_http|utl_inaddr|dbms_pipe|extractvalue|updatexml|into\s(?:out|dump)file|group_concat|json_keys)\b|@@(?:version|datadir|hostname|servername|basedir)\b|\binto\s(?:out|dump)file\b/,
  },
  // The bare name (`revoked access to pg_catalog`): a weak signal.
  {
    id: 'sqli_system_object_name',
    type: 'sqli',
    weight: 4,
    on: 'norm',
    re: /\b(?:information_schema|sysobjects|syscolumns|sys\.(?:tables|objects|databases)|pg_catalog|pg_shadow|sqlite_master|mysql\.user|all_tables|user_tables|xp_cmdshell|xp_regread|xp_dirtree|sp_password|sp_executesql|sp_oacreate|load_file|utl_http|utl_inaddr|dbms_pipe|extractvalue|updatexml|into\s(?:out|dump)file|group_concat|json_keys)\b/,
  },
  {
    id: 'sqli_exec',
    type: 'sqli',
    weight: 10,
    on: 'norm',
    gate: /exec/,
    re: /\bexec(?:ute)?\s?\(?\s?(?:@|master\.|xp_|sp_|(?:xp|sp)$|immediate\b|\(\s?['"]sel)/,
  },
  {
    id: 'sqli_select_probe',
    type: 'sqli',
    weight: 5,
    on: 'norm',
    gate: /select/,
    re: /\bselect\s?(?:\*|@@|(?:count|user|database|version|current_user|system_user|char|concat|sleep)\s?\(|null\s?,|\d{1,5}\s?,\s?\d)/,
  },
  {
    id: 'sqli_char_function',
    type: 'sqli',
    weight: 6,
    on: 'norm',
    gate: /\(/,
    re: /\b(?:char|chr|nchar|concat(?:_ws)?|unhex|ascii|substring|substr|mid|elt|cast|convert)\s?\(\s?(?:\d{1,3}\s?[,+)]|0x[0-9a-f]|@@|select\b|-?\d\s?[+-])/,
  },
  { id: 'sqli_hex_literal', type: 'sqli', weight: 3, on: 'norm', gate: /0x/, re: /(?:^|[\s=(,])0x[0-9a-f]{8,}/ },
  {
    id: 'sqli_having_probe',
    type: 'sqli',
    weight: 8,
    on: 'norm',
    gate: /having|order\sby/,
    re: /\bhaving\s\(?\d{1,10}\s?=\s?\d|\bgroup\sby\s[\w.]{1,40}\shaving\b|\border\sby\s\d{1,3}\s?(?:--|#|\/\*)/,
  },
  // ── path traversal ───────────────────────────────────────────────────
  { id: 'traversal_dotdot_chain', type: 'path_traversal', weight: 10, on: 'path', gate: /\.\./, re: /(?:^|\/)\.\.\/(?:\.\.(?:\/|$)|[^/]{0,40}\/\.\.(?:\/|$))/ },
  { id: 'traversal_dotdot', type: 'path_traversal', weight: 5, on: 'path', gate: /\.\./, re: /(?:^|\/)\.\.(?:\/|$)/ },
  {
    id: 'traversal_encoded',
    type: 'path_traversal',
    weight: 8,
    on: 'raw',
    gate: /%/,
    re: /%(?:25){0,3}2e(?:%(?:25){0,3}2e|\.)|\.%(?:25){0,3}2e|\.\.%(?:25){0,3}(?:2f|5c)|%(?:25){0,3}(?:c0%(?:25){0,3}(?:ae|af)|c1%(?:25){0,3}(?:9c|1c|af)|e0%(?:25){0,3}80%(?:25){0,3}af)|%u(?:002e|002f|2215|ff0e)|%(?:25){0,3}(?:2f|5c)\.\./,
  },
  {
    id: 'traversal_sensitive_file',
    type: 'path_traversal',
    weight: 6,
    on: 'path',
    re: /(?:^|[/\s=:])(?:etc\/(?:passwd|shadow|hosts|group|issue|crontab|sudoers|hostname)|proc\/(?:self|\d{1,7})\/|win(?:dows|nt)\/(?:win\.ini|system32)|boot\.ini|system32\/|\.htpasswd|\.htaccess|\.env(?:\.[a-z]{1,12})?$|\.git\/(?:config|head)|web\.config|wp-config\.php|\.ssh\/|id_rsa|localstart\.asp|global\.asa|server\.xml|desktop\.ini)/,
  },
  {
    id: 'traversal_dot_segments',
    type: 'path_traversal',
    weight: 6,
    on: 'path',
    gate: /\.\/|\.\.\./,
    re: /(?:\/\.){3,}\/|(?:^|\/)\.{3,}\/|\/\.\/\/|\.\/\.\/\.\//,
  },
  {
    id: 'traversal_windows_root',
    type: 'path_traversal',
    weight: 6,
    on: 'path',
    gate: /^[a-z]:/,
    re: /^[a-z]:\/(?:windows|winnt|boot\.ini|inetpub|program\sfiles)/,
  },
  { id: 'traversal_nul_byte', type: 'path_traversal', weight: 4, on: 'raw', gate: /%|\u0000/, re: /%(?:25){0,3}00|\u0000/ },
  // ── command injection ────────────────────────────────────────────────
  {
    id: 'cmd_chained_command',
    type: 'cmd_injection',
    weight: 8,
    on: 'prose',
    gate: /[;&|`]|\$\(/,
    re: new RegExp(`(?:[;&|\`]|\\$\\()\\s?\`?\\s?(?:/(?:usr/)?s?bin/)?${CMD}(?=$|[\\s;&|\`)'"<>\\\\])`),
  },
  {
    id: 'cmd_line_command',
    type: 'cmd_injection',
    weight: 8,
    on: 'prose',
    re: new RegExp(
      `(?:^|\\n)\\s?(?:/(?:usr/)?s?bin/)?${CMD}(?:\\s(?:-{1,2}[a-z]|/[a-z.]|\\$|\\d{1,3}\\.\\d|[a-z]:\\\\)|\\s?[;&|])|\\n\\s?(?:/(?:usr/)?s?bin/)?${CMD}\\s?(?:$|\\n)`,
    ),
  },
  {
    id: 'cmd_subshell',
    type: 'cmd_injection',
    weight: 6,
    on: 'prose',
    gate: /\$\(|`/,
    re: new RegExp(`\\$\\(\\s?\`?\\s?${CMD}\\b|\`\\s?${CMD}\\b[^\`]{0,100}\``),
  },
  { id: 'cmd_shellshock', type: 'cmd_injection', weight: 10, on: 'norm', gate: /\(/, re: /\(\s?\)\s?\{\s?:\s?;\s?\}\s?;/ },
  {
    id: 'cmd_php_code',
    type: 'cmd_injection',
    weight: 8,
    on: 'norm',
    re: /<\?(?:php|=)|\$_(?:get|post|request|server|cookie|files)\s?\[|\{\$\{|\bphpinfo\s?\(|\b(?:system|passthru|shell_exec|popen|proc_open|pcntl_exec)\s?\(\s?['"$]|\$\{@?(?:print|system|eval)/,
  },
  {
    id: 'cmd_shell_path',
    type: 'cmd_injection',
    weight: 8,
    on: 'norm',
    re: /\/bin\/(?:ba|z|k|c|da)?sh\b|\/dev\/tcp\/|\bnc\s-[a-z]{0,6}e\s|\bmkfifo\s|socket\s?\(\s?s\s?,\s?pf_inet|\/usr\/bin\/id\b/,
  },
  { id: 'cmd_ssi', type: 'cmd_injection', weight: 10, on: 'norm', gate: /<!--/, re: /<!--\s?#\s?(?:exec|include|echo|config|fsize|flastmod)\b/ },
  {
    id: 'cmd_windows',
    type: 'cmd_injection',
    weight: 8,
    on: 'norm',
    re: /\bnet\s(?:user|localgroup|view|share)\b|\bnetsh\s(?:firewall|advfirewall|interface)\b|\breg\s(?:add|delete|query)\s["']?hk|\bcmd(?:\.exe)?\s\/c\b|\bpowershell(?:\.exe)?\s-(?:e|enc|c|command|nop)\b/,
  },
  {
    id: 'cmd_code_eval',
    type: 'cmd_injection',
    weight: 8,
    on: 'norm',
    gate: /\(/,
    re: /\b(?:eval|exec|system)\s?\(\s?['"](?:[a-z]{1,10}\s|ls|pwd|id|whoami|sleep|cat|echo)/,
  },
  // ── SSRF ─────────────────────────────────────────────────────────────
  {
    id: 'ssrf_metadata',
    type: 'ssrf',
    weight: 10,
    on: 'norm',
    re: /169\.254\.169\.254|metadata\.google\.internal|100\.100\.100\.200|fd00:ec2::254|\/latest\/meta-data\b|\/computemetadata\/|\/metadata\/instance\b/,
  },
  {
    id: 'ssrf_loopback_url',
    type: 'ssrf',
    weight: 8,
    on: 'token',
    gate: /\/\/|@/,
    re: /(?:\/\/|@)(?:[^\s/?#@]{0,80}\.)?(?:127(?:\.\d{1,3}){1,3}|0\.0\.0\.0|0|localhost|\[::1?\])(?=[:/?#%\s\\]|$)/,
  },
  {
    id: 'ssrf_loopback_name',
    type: 'ssrf',
    weight: 8,
    on: 'norm',
    re: /(?:^|[./@])(?:127|10|0|192\.168|169\.254|172\.(?:1[6-9]|2\d|3[01]))(?:[.-]\d{1,3}){1,3}\.(?:nip|xip|sslip)\.io\b|(?:^|[./@])(?:localtest\.me|lvh\.me|vcap\.me)\b|^localhost:/,
  },
  {
    id: 'ssrf_dangerous_scheme',
    type: 'ssrf',
    weight: 8,
    on: 'norm',
    gate: /:\/\//,
    re: /(?:^|[\s"'=(<])(?:gopher|dict|file|ldap|tftp|sftp|jar|netdoc|php|expect|phar|zip|glob):\/\//,
  },
];

const URL_IN_TEXT = /\b(?:https?|ftp|wss?):\/\/[^\s"'<>`]{1,300}/g;
const INTERNAL_HOST =
  /(?:^|\.)(?:localhost|localdomain|internal|local)$|^0$|^metadata$|^instance-data$|(?:^|\.)(?:localtest\.me|lvh\.me)$|(?:^|[.-])(?:127|10|0)(?:[.-]\d{1,3}){3}\.(?:nip|xip|sslip)\.io$/;

// ── normalisation ──────────────────────────────────────────────────────

const utf8 = new TextDecoder('utf-8', { fatal: false });
const OVERLONG: ReadonlyArray<[RegExp, string]> = [
  [/%c0%ae/gi, '.'],
  [/%c0%af/gi, '/'],
  [/%c1%9c/gi, '\\'],
  [/%c1%1c/gi, '\\'],
  [/%c1%af/gi, '/'],
  [/%e0%80%ae/gi, '.'],
  [/%e0%80%af/gi, '/'],
];

function percentDecodeOnce(s: string): string {
  let out = s;
  if (out.includes('%u') || out.includes('%U')) out = out.replace(/%u([0-9a-f]{4})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  for (const [re, ch] of OVERLONG) if (re.test(out)) out = out.replace(re, ch);
  return out.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
    const bytes = new Uint8Array(run.length / 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(run.slice(i * 3 + 1, i * 3 + 3), 16);
    return utf8.decode(bytes);
  });
}

function percentDecode(s: string): string {
  let current = s;
  for (let round = 0; round < 3 && current.includes('%'); round++) {
    const next = percentDecodeOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

const NAMED: Record<string, string> = {
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  amp: '&',
  colon: ':',
  lpar: '(',
  rpar: ')',
  tab: '\t',
  newline: '\n',
  nbsp: ' ',
  sol: '/',
  bsol: '\\',
  period: '.',
  comma: ',',
  semi: ';',
  equals: '=',
  num: '#',
  grave: '`',
  lsqb: '[',
  rsqb: ']',
};

function entityDecode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&#x([0-9a-f]{1,6});?|&#(\d{1,8});?|&([a-z]{2,8});?/gi, (whole, hex?: string, dec?: string, name?: string) => {
    if (name !== undefined) return NAMED[name.toLowerCase()] ?? whole;
    const code = hex !== undefined ? parseInt(hex, 16) : Number(dec);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

function backslashDecode(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\x([0-9a-f]{2})|\\u([0-9a-f]{4})|\\([nr])/gi, (_, x?: string, u?: string, nl?: string) =>
    nl !== undefined ? '\n' : String.fromCharCode(parseInt((x ?? u)!, 16)),
  );
}

function stripSqlComments(s: string): string {
  if (!s.includes('/*')) return s;
  let out = '';
  let i = 0;
  for (;;) {
    const open = s.indexOf('/*', i);
    if (open === -1) return out + s.slice(i);
    const close = s.indexOf('*/', open + 2);
    // An unterminated comment is kept as text: payloads end with "/*" to swallow the rest.
    if (close === -1) return out + s.slice(i);
    out += s.slice(i, open) + ' ';
    i = close + 2;
  }
}

interface Variants {
  raw: string;
  joined: string;
  norm: string;
  compact: string;
  path: string;
  /** `joined` when the input holds SQL comments, else empty (rules for comment-split keywords). */
  commented: string;
  /** `norm` with the contents of Markdown code spans blanked when the rest is prose (see {@link proseView}). */
  prose: string;
  /** `norm` when the value is one token (no white space inside), else empty: a URL to fetch, not a URL mentioned in text. */
  token: string;
}

const CODE_SPAN = /`[^`\n]{1,200}`/g;
const PROSE_WORD = /[a-z]{2,}/g;
const SHELL_META = /[;|&$<>`]/;

/**
 * Markdown prose with inline code (`` Run `ls -la` to list files ``): the code spans are
 * text for a reader, not shell command substitution. When the input has code spans and,
 * outside them, at least three words and no shell metacharacters, the spans' contents are
 * blanked for the command-injection rules. Anything else is returned unchanged.
 */
function proseView(norm: string): string {
  if (!norm.includes('`')) return norm;
  const outside = norm.replace(CODE_SPAN, ' ');
  if (SHELL_META.test(outside)) return norm;
  const words = outside.match(PROSE_WORD);
  if (words === null || words.length < 3) return norm;
  return norm.replace(CODE_SPAN, '` `');
}

function variants(input: string): Variants {
  const raw = input.toLowerCase();
  // eslint-disable-next-line no-control-regex
  const decoded = backslashDecode(entityDecode(percentDecode(input)))
    .replace(/\u0000/g, '')
    .toLowerCase();
  const norm = stripSqlComments(decoded)
    .replace(/\r\n?/g, '\n')
    .replace(/[^\S\n]+/g, ' ');
  // eslint-disable-next-line no-control-regex
  const compact = decoded.replace(/[\s\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\u2060\ufeff]+/g, '');
  const path = decoded.replaceAll('\\', '/');
  // SQL comments used to split keywords (`uni/**/on`): removed without a space.
  const joined = decoded.includes('/*') ? decoded.replace(/\/\*[^*]{0,200}\*\//g, '').replace(/\s+/g, '') : compact;
  const commented = decoded.includes('/*') ? joined : '';
  const trimmed = norm.trim();
  const token = /\s/.test(trimmed) ? '' : trimmed;
  return { raw, norm, compact, path, joined, commented, prose: proseView(norm), token };
}

function excerptAt(text: string, index: number): string {
  const start = Math.max(0, index - 8);
  // eslint-disable-next-line no-control-regex
  return text.slice(start, start + 48).replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function ssrfInUrls(norm: string): AttackMatch | undefined {
  URL_IN_TEXT.lastIndex = 0;
  let count = 0;
  for (let m = URL_IN_TEXT.exec(norm); m !== null && count < 8; m = URL_IN_TEXT.exec(norm), count++) {
    let host: string;
    try {
      host = new URL(m[0]).hostname;
    } catch {
      continue;
    }
    const bare = host.startsWith('[') ? host.slice(1, -1) : host;
    const literal = /^[\d.]+$/.test(bare) || bare.includes(':');
    if ((literal && !isPublicAddress(bare)) || (!literal && INTERNAL_HOST.test(bare))) {
      return { type: 'ssrf', rule: 'ssrf_internal_url', weight: 8, excerpt: excerptAt(norm, m.index) };
    }
  }
  return undefined;
}

/**
 * Score a value for signs of SQL injection, XSS, path traversal, command injection and
 * SSRF. The value is decoded first (percent-encoding up to three times, overlong UTF-8,
 * `%u` escapes, HTML entities, SQL comments, whitespace tricks) and then matched against
 * linear-time rules; each call scans at most `maxLength` characters.
 *
 * Detection is a signal for logging, alerting and blocking obvious probes — never a
 * replacement for parameterised queries, output encoding and {@link safeJoin}.
 *
 * @example
 * detectAttack("' OR '1'='1").attacks[0]; // { type: 'sqli', rule: 'sqli_tautology', … }
 * detectAttack("O'Brien").detected;       // false
 */
export function detectAttack(value: unknown, options: DetectOptions = {}): Detection {
  const threshold = options.threshold ?? DEFAULT_THRESHOLD;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
  if (typeof value !== 'string' || value.length === 0) return { score: 0, detected: false, attacks: [], truncated: false };
  const truncated = value.length > maxLength;
  const input = truncated ? value.slice(0, maxLength) : value;
  const v = variants(input);
  const types = options.types === undefined ? undefined : new Set(options.types);
  const attacks: AttackMatch[] = [];
  for (const rule of RULES) {
    if (types !== undefined && !types.has(rule.type)) continue;
    const text = v[rule.on];
    if (rule.gate !== undefined && !rule.gate.test(text)) continue;
    if (text.length === 0) continue;
    const m = rule.re.exec(text);
    if (m !== null && (rule.accept === undefined || rule.accept(text, m)))
      attacks.push({ type: rule.type, rule: rule.id, weight: rule.weight, excerpt: excerptAt(text, m.index) });
  }
  if (types === undefined || types.has('ssrf')) {
    const ssrf = ssrfInUrls(v.token);
    if (ssrf) attacks.push(ssrf);
  }
  attacks.sort((a, b) => b.weight - a.weight);
  const score = Math.min(
    100,
    attacks.reduce((sum, a) => sum + a.weight, 0),
  );
  return { score, detected: score >= threshold, attacks, truncated };
}

/** The rule table (ids, types, weights), for documentation and tests. */
export function detectionRules(): ReadonlyArray<{ id: string; type: AttackType; weight: number; pattern: RegExp; gate: RegExp | undefined }> {
  return RULES.map((r) => ({ id: r.id, type: r.type, weight: r.weight, pattern: r.re, gate: r.gate }));
}
