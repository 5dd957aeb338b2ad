// Built-in redaction of captured content. It runs only when content capture is on, over each
// text part, before the user's hook. The patterns err on the side of redacting: a false positive
// costs a few characters of a prompt, a false negative leaks a secret into the telemetry store.

/** Bearer tokens in pasted headers or curl commands. */
const BEARER = /\bBearer\s+[A-Za-z0-9._~+/-]+=*/g;
/**
 * API keys by their well-known prefixes: OpenAI/Anthropic/DeepSeek `sk-…`, AWS access key ids,
 * Google `AIza…`, GitHub tokens, Slack tokens, Stripe keys, Groq `gsk_…`, xAI `xai-…`,
 * Hugging Face `hf_…`.
 */
const API_KEY =
  /\b(?:sk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35}|gh[pousr]_[A-Za-z0-9]{30,}|xox[abposr]-[A-Za-z0-9-]{10,}|(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}|gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{30,})\b/g;
const EMAIL = /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g;
/** 13 to 19 digits, optionally grouped by spaces or dashes; confirmed by the Luhn check. */
const CARD = /\b\d(?:[ -]?\d){12,18}\b/g;
/**
 * Phone numbers: an international `+` form, or a national form of digit groups separated by
 * spaces, dots or dashes; confirmed by counting at least 9 digits (so years, prices and order
 * numbers are left alone).
 */
const PHONE = /\+\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,6}|\(?\d{2,4}\)?(?:[\s.-]\d{2,4}){2,5}/g;

// A cheap test before running the patterns: most text has none of these characters.
const MAY_CONTAIN = /[@\d]|Bearer|sk-|AKIA|AIza|gh[pousr]_|xox|_live_|_test_|gsk_|xai-|hf_/;

function luhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let index = digits.length - 1; index >= 0; index--) {
    let digit = digits.charCodeAt(index) - 48;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Replaces secrets and personal data in a text with `[REDACTED:<kind>]` markers. */
export function redactBuiltIn(text: string): string {
  if (!MAY_CONTAIN.test(text)) return text;
  let result = text.replace(BEARER, 'Bearer [REDACTED:token]');
  result = result.replace(API_KEY, '[REDACTED:api_key]');
  result = result.replace(EMAIL, '[REDACTED:email]');
  result = result.replace(CARD, (match) => {
    const digits = match.replace(/[ -]/g, '');
    return digits.length >= 13 && luhn(digits) ? '[REDACTED:card]' : match;
  });
  result = result.replace(PHONE, (match) => {
    let digits = 0;
    for (let index = 0; index < match.length; index++) {
      const code = match.charCodeAt(index);
      if (code >= 48 && code <= 57) digits++;
    }
    // E.164 numbers have at most 15 digits: longer runs are ids, not phones.
    return digits >= 9 && digits <= 15 ? '[REDACTED:phone]' : match;
  });
  return result;
}
