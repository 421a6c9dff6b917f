/**
 * Request URLs as the request log records them: the value of any query parameter whose name says it
 * holds a credential (`?access_token=…`, `?api_key=…`, `?signature=…`) is replaced, so a token a client
 * put in a URL is not copied into every log sink. Names and the rest of the URL stay as sent.
 */
const SENSITIVE_NAME = /(?:^|[_.-])(?:access_?token|token|key|api_?key|secret|password|passwd|pwd|signature|sig|code|auth|authorization|credentials?|session)$/i;

export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question === -1) return url;
  const hash = url.indexOf('#', question);
  const query = url.slice(question + 1, hash === -1 ? undefined : hash);
  const redacted = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      if (equals === -1) return pair;
      const rawName = pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replaceAll('+', ' '));
      } catch {
        // A malformed escape: judge the name as sent.
      }
      return SENSITIVE_NAME.test(name.trim()) ? `${rawName}=${REDACTED}` : pair;
    })
    .join('&');
  return `${url.slice(0, question)}?${redacted}${hash === -1 ? '' : url.slice(hash)}`;
}
