import { randomBytes, timingSafeEqual } from 'node:crypto';
import { argon2Raw, type Argon2Params } from './argon2.ts';

/**
 * What the dummy verifications did (read by tests: the paths that must not reveal whether an
 * account exists are shown to do argon2 work, with the parameters a real row would have).
 */
export const dummyWork: { count: number; last: Readonly<Argon2Params> | undefined } = { count: 0, last: undefined };

/**
 * One argon2 computation with exactly `params` — what verifying a real row hashed with those
 * parameters costs — against a random salt and tag, so it can never match. Used when there is
 * no row (unknown user) or no comparison may happen (a password bcrypt cannot check), so
 * those answers cost what a real check costs and say the same thing: `false`.
 */
export async function verifyDummy(params: Argon2Params, password: Buffer, pepper: Buffer | undefined): Promise<false> {
  const expected = randomBytes(32);
  const tag = await argon2Raw(params, password, randomBytes(16), expected.length, pepper);
  dummyWork.count++;
  dummyWork.last = Object.freeze({ ...params });
  timingSafeEqual(tag, expected);
  return false;
}
