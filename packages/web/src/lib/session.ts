// The CSRF token of the signed-in session, for requests made outside lib/api (XHR uploads).
let token = '';
export const csrf = () => token;
export function rememberCsrf(t: string): void {
  token = t;
}
