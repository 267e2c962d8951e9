/** Kinds of personal or secret data {@link findPii} recognises. */
export type PiiType = 'email' | 'phone' | 'credit_card' | 'ssn' | 'iban' | 'ip' | 'jwt' | 'api_key';

/** One finding: the type, the matched text and its [start, end) offsets in the input. */
export interface PiiMatch {
  type: PiiType;
  value: string;
  start: number;
  end: number;
}

/** Options for {@link findPii}. */
export interface FindPiiOptions {
  /** Only these types. Default all. */
  types?: readonly PiiType[];
  /** Country for phone numbers written without `+` (e.g. `'US'`, `'GB'`). Default none: only international `+…` numbers. */
  defaultCountry?: string;
  /** Characters scanned per call. Default 100,000 (a worst-case text costs ~10 ms); longer text is scanned in its first `maxLength` characters only ({@link redactPii} removes the rest). */
  maxLength?: number;
}

/** Options for {@link redactPii}. */
export interface RedactPiiOptions extends FindPiiOptions {
  /** Replacement: a string, or a function of the match. Default `[REDACTED:<type>]`. */
  mask?: string | ((match: PiiMatch) => string);
}

/** Every {@link PiiType}, in the order the scan runs its detectors. */
export const PII_TYPES: readonly PiiType[] = ['email', 'phone', 'credit_card', 'ssn', 'iban', 'ip', 'jwt', 'api_key'];

/** Characters scanned per call unless `maxLength` says otherwise. */
export const DEFAULT_MAX_LENGTH = 100_000;

/** The optional peers the validating detectors use, loaded once per scan by the scan loop. */
export interface PiiPeers {
  /** The part of `ibantools` the IBAN detector uses (typed here: no optional peer's types in rampart's declarations). */
  readonly iban: {
    isValidIBAN(iban: string): boolean;
    electronicFormatIBAN(iban?: string): string | null;
    /** Per country code: the IBAN length in characters. */
    readonly countrySpecs: Readonly<Record<string, { readonly chars?: number | null }>>;
  };
  /** The part of `libphonenumber-js` the phone detector uses. */
  readonly phone: {
    parsePhoneNumberFromString(text: string, options?: { defaultCountry?: string }): { isValid(): boolean; formatNational(): string } | undefined;
  };
}

/** What a detector sees: the (already cut) text, the peers, the phone default country, and where findings go. */
export interface ScanContext {
  readonly text: string;
  readonly peers: PiiPeers;
  /** ISO 3166-1 alpha-2, already validated. */
  readonly defaultCountry: string | undefined;
  add(type: PiiType, start: number, value: string): void;
}

/** Finds one kind of data in `ctx.text` and reports each validated finding with `ctx.add`. Linear in the text length. */
export type Detector = (ctx: ScanContext) => void;

/** Every match of a global/sticky RegExp, from the start of `text` (empty matches advance by one). */
export function* regexMatches(re: RegExp, text: string): Generator<RegExpExecArray> {
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    yield m;
    if (m[0].length === 0) re.lastIndex++;
  }
}
