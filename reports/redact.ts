/**
 * Secrets never reach a report. Config changes, action parameters, run timing and
 * evidence are user data: any field whose name says it holds a secret (password,
 * credentials, token, API key, ...) is replaced, and credentials embedded in text
 * (URL user info, `password=...`, `Authorization: Bearer ...`) are masked.
 */

export const REDACTED = '[redacted]';

const SECRET_NAME = /(password|passwd|passphrase|secret|secret[_-]?key|credentials?|token|api[_-]?key|apikey|authorization|private[_-]?key|session[_-]?key)$/i;
/** `password_file: /etc/x` names a path, not the secret itself. */
const PATH_SUFFIX = /[_-](file|path|filename)$/i;

/** Whether a field or key path (`a.b[0].password`) names a secret. */
export function isSecretKey(key: string): boolean {
  const last = key.split(/[.[\]]+/).filter(Boolean).pop() ?? key;
  if (PATH_SUFFIX.test(last)) return false;
  return SECRET_NAME.test(last);
}

/** Mask credentials written inside free text. */
export function scrubText(s: string): string {
  return s
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi, `$1$2:${REDACTED}@`)
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{6,}/g, `$1 ${REDACTED}`)
    .replace(/\b(password|passwd|secret|token|api[_-]?key|apikey|credentials?)(\s*[=:]\s*)(["']?)(?!\[redacted\])([^\s"'&,;}]+)/gi, `$1$2$3${REDACTED}`);
}

/** A deep copy with secret fields replaced and secrets in strings masked. */
export function redactDeep<T>(value: T): T {
  return redact(value, 0) as T;
}

function redact(value: unknown, depth: number): unknown {
  if (depth > 64) return '[too deep]';
  if (typeof value === 'string') return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = isSecretKey(k) && v !== null && v !== undefined && v !== '' ? REDACTED : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

/** A config change with its values hidden when its key path names a secret. */
export function redactConfigChange<C extends { key: string; from: unknown; to: unknown }>(c: C): C {
  if (isSecretKey(c.key)) {
    const hide = (v: unknown): unknown => (v === undefined || v === null || v === '' ? v : REDACTED);
    return { ...redactDeep(c), from: hide(c.from), to: hide(c.to) };
  }
  return redactDeep(c);
}
