import { findPii } from './scan.ts';

/** A content classifier's verdict. */
export interface ModerationResult {
  /** True when the content should not be accepted as is. */
  flagged: boolean;
  /** Category names (`'pii'`, `'harassment'`, `'spam'`, …). */
  categories: string[];
  /** Optional confidence/severity from the classifier, 0–1. */
  score?: number;
}

/** A pluggable content classifier (an OpenAI/Perspective call, a local model, a word list…). */
export type Moderator = (text: string) => ModerationResult | Promise<ModerationResult>;

/** Options for {@link moderate}. */
export interface ModerateOptions {
  /** Classifiers to run; all must pass. Default: {@link piiModerator} only. */
  moderators?: readonly Moderator[];
  /** Seconds to wait for the classifiers. Default 5. */
  timeout?: number;
  /** What a failing or timed-out classifier means. Default `'flag'` (fail closed). */
  onError?: 'flag' | 'allow';
}

/** Built-in moderator: flags text containing PII (categories `pii:<type>`). */
export const piiModerator: Moderator = (text) => {
  const types = [...new Set(findPii(text).map((m) => `pii:${m.type}`))];
  return { flagged: types.length > 0, categories: types };
};

/**
 * Run content through pluggable classifiers and merge their verdicts. A classifier that
 * throws or exceeds `timeout` flags the content (`moderation_error`) unless `onError:
 * 'allow'`.
 *
 * @example
 * const verdict = await moderate(comment, { moderators: [piiModerator, openAiModerator] });
 * if (verdict.flagged) return reply.code(422).send({ categories: verdict.categories });
 */
export async function moderate(text: string, options: ModerateOptions = {}): Promise<ModerationResult> {
  const moderators = options.moderators ?? [piiModerator];
  const timeoutMs = (options.timeout ?? 5) * 1000;
  const failClosed = (options.onError ?? 'flag') === 'flag';
  const results = await Promise.all(
    moderators.map(async (m): Promise<ModerationResult> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const verdict = await Promise.race([
          Promise.resolve().then(() => m(text)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('moderation timed out')), timeoutMs);
          }),
        ]);
        if (verdict === null || typeof verdict !== 'object' || typeof verdict.flagged !== 'boolean') throw new Error('invalid moderation result');
        return verdict;
      } catch {
        return failClosed ? { flagged: true, categories: ['moderation_error'] } : { flagged: false, categories: [] };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const scores = results.map((r) => r.score).filter((s): s is number => typeof s === 'number');
  const merged: ModerationResult = {
    flagged: results.some((r) => r.flagged),
    categories: [...new Set(results.flatMap((r) => (Array.isArray(r.categories) ? r.categories : [])))],
  };
  if (scores.length > 0) merged.score = Math.max(...scores);
  return merged;
}
