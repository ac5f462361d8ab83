/**
 * Well-known credential shapes. Each rule is a regex over text plus an optional check that keeps
 * false positives low (placeholders such as `sk-xxxxxxxx…`, AWS's documented example key). The
 * order matters: the more specific prefix (`sk-ant-`) is listed before the general one (`sk-`).
 */
export interface ShapeRule {
  rule: string;
  re: RegExp;
  /** Extra check on the matched text; false = not a secret after all. */
  plausible?: (match: string) => boolean;
}

/** A real key is random: letters and digits mixed, not one repeated character or a word list. */
const looksRandom = (s: string): boolean => {
  const body = s.replace(/^[a-z_]+[-_]/i, '');
  if (!/[0-9]/.test(body) || !/[A-Za-z]/.test(body)) return false;
  if (/(.)\1{7,}/.test(body)) return false; // xxxxxxxx, 00000000
  return new Set(body).size >= 10;
};
/** Base62 keys also mix upper and lower case; kebab-case words and hex ids do not. */
const looksRandomMixedCase = (s: string): boolean => looksRandom(s) && /[A-Z]/.test(s.slice(4)) && /[a-z]/.test(s.slice(4));

export const shapeRules: ShapeRule[] = [
  {
    rule: 'private-key',
    re: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\\n]*[A-Za-z0-9+/=:\s\\-]{32,}/g,
  },
  { rule: 'anthropic-api-key', re: /\bsk-ant-(?:api|admin|oat)\d{2}-[A-Za-z0-9_-]{20,}/g, plausible: looksRandomMixedCase },
  // Project/service keys carry `-`/`_`; legacy keys are plain base62 (no dash, so no kebab-case words).
  { rule: 'openai-api-key', re: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{32,}/g, plausible: looksRandomMixedCase },
  { rule: 'openai-api-key', re: /\bsk-(?!ant-)[A-Za-z0-9]{32,}(?![A-Za-z0-9_-])/g, plausible: looksRandomMixedCase },
  {
    rule: 'aws-access-key-id',
    re: /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b/g,
    plausible: (m) => !m.endsWith('EXAMPLE') && looksRandom(m),
  },
  {
    rule: 'aws-secret-access-key',
    re: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])/gi,
    plausible: (m) => !m.includes('EXAMPLEKEY'),
  },
  { rule: 'github-token', re: /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,255}\b/g, plausible: looksRandomMixedCase },
  { rule: 'github-token', re: /\bgithub_pat_[A-Za-z0-9_]{22,255}\b/g, plausible: looksRandomMixedCase },
  { rule: 'slack-token', re: /\bxox[abposr]-(?:\d+-)?[A-Za-z0-9-]{10,}/g, plausible: looksRandom },
  { rule: 'slack-webhook-url', re: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]{16,}/g },
  { rule: 'google-api-key', re: /\bAIza[0-9A-Za-z_-]{35}\b/g, plausible: looksRandomMixedCase },
  { rule: 'huggingface-token', re: /\bhf_[A-Za-z0-9]{34,}\b/g, plausible: looksRandomMixedCase },
  { rule: 'stripe-secret-key', re: /\b[sr]k_live_[A-Za-z0-9]{20,}\b/g, plausible: looksRandomMixedCase },
];

/** No shape above matches fewer characters (a Slack token: `xoxb-` and ten more). */
const SHORTEST_SHAPE = 15;

export interface ShapeHit {
  rule: string;
  /** Offset of the match in the scanned text. */
  index: number;
}

/** Every shape hit in `text`; overlapping hits of later rules are dropped (one finding per secret). */
export function findShapes(text: string): ShapeHit[] {
  if (text.length < SHORTEST_SHAPE) return []; // most flow file names and ids: nothing to scan
  const hits: Array<ShapeHit & { end: number }> = [];
  for (const { rule, re, plausible } of shapeRules) {
    re.lastIndex = 0;
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      const start = m.index;
      const end = start + m[0].length;
      if (plausible && !plausible(m[0])) continue;
      if (hits.some((h) => start < h.end && h.index < end)) continue;
      hits.push({ rule, index: start, end });
    }
  }
  return hits.sort((a, b) => a.index - b.index).map(({ rule, index }) => ({ rule, index }));
}
