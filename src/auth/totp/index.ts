export { totp, hotp, recoveryCodes } from './totp.ts';
export type { TotpAlgorithm, TotpParams, TotpVerifyOptions } from './totp.ts';
export { base32Encode, base32Decode } from './base32.ts';
