/**
 * The bearer token lives in sessionStorage only: it survives a reload of this tab, is gone when the tab
 * closes, and is never put in a cookie, so it reaches nothing but the API calls that attach it.
 */
const storageKey = 'incident-console.token';

export type Claims = { sub?: string; email?: string; role?: string; exp?: number };

/** `npm start` prints `/admin#token=…`; take the token from the fragment and wipe it from the address bar and history. */
export function takeTokenFromLocation(): string | null {
  const fragment = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  const token = fragment.get('token');
  if (token === null || token.trim() === '') return null;
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  return token.trim();
}

export function loadToken(): string | null {
  return window.sessionStorage.getItem(storageKey);
}

export function saveToken(token: string): void {
  window.sessionStorage.setItem(storageKey, token);
}

export function clearToken(): void {
  window.sessionStorage.removeItem(storageKey);
}

/** Reads the claims for display only (who am I, which role); the server is the one that verifies the token. */
export function readClaims(token: string): Claims | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '=');
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Claims) : null;
  } catch {
    return null;
  }
}

export function isExpired(claims: Claims | null, nowMs: number): boolean {
  return claims?.exp !== undefined && claims.exp * 1000 <= nowMs;
}

export function roleSentence(role: string | undefined): string {
  return `Your token's role (${role ?? 'unknown'}) lacks permission: ops or admin needed.`;
}
