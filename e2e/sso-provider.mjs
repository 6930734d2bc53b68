// A real OpenID Connect provider for the API tests (`backend/tests/api/sso.rs`): the npm
// package oauth2-mock-server on a free loopback port, with discovery, JWKS, the authorization
// code flow with PKCE, and signed ID tokens. Its `/authorize` signs in whoever the test names
// in extra query parameters (the server under test never sees them):
//   sub, email, email_verified=false, name   who signs in
//   aud=OTHER   the ID token is for another client
//   exp=-600    the ID token expired (seconds from now)
//   deny=1      the provider answers `error=access_denied`
// With no `sub`, it signs in a demo person (sso-demo@corp.example), for `cargo xtask run`.
// It also serves GitHub's two REST calls under /github (`/github/user`, `/github/user/emails`)
// for the access tokens it issued, so the GitHub provider is tested through the same dance.
//
// Prints one JSON line {"issuer": "http://127.0.0.1:PORT"} and runs until stdin closes.
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
await server.start(0, '127.0.0.1');
const port = new URL(server.issuer.url).port;
server.issuer.url = `http://127.0.0.1:${port}`;

const byCode = new Map();
const byAccessToken = new Map();

server.service.on('beforeAuthorizeRedirect', (redirect, req) => {
  const q = req.query ?? {};
  const code = redirect.url.searchParams.get('code');
  if (q.deny) {
    redirect.url.searchParams.delete('code');
    redirect.url.searchParams.set('error', 'access_denied');
    return;
  }
  if (!code) return;
  // Nobody named (the `cargo xtask run` demo): a demo person with a verified email.
  const demo = q.sub === undefined;
  byCode.set(code, {
    sub: q.sub ?? 'demo-person',
    email: q.email ?? (demo ? 'sso-demo@corp.example' : undefined),
    email_verified: q.email_verified !== 'false',
    name: q.name ?? (demo ? 'Sam Demo' : undefined),
    aud: q.aud,
    exp: q.exp,
  });
});

server.service.on('beforeTokenSigning', (token, req) => {
  const person = byCode.get(req.body?.code);
  if (!person) return;
  const p = token.payload;
  p.sub = person.sub;
  // The access token carries `scope`; the ID token does not.
  if ('scope' in p) return;
  if (person.email) {
    p.email = person.email;
    p.email_verified = person.email_verified;
  }
  if (person.name) p.name = person.name;
  if (person.aud) p.aud = person.aud;
  if (person.exp) p.exp = Math.floor(Date.now() / 1000) + Number(person.exp);
});

server.service.on('beforeResponse', (response, req) => {
  const person = byCode.get(req.body?.code);
  if (person && response.body.access_token) {
    byAccessToken.set(response.body.access_token, person);
  }
});

function githubPerson(req, res) {
  const auth = req.headers.authorization ?? '';
  const person = byAccessToken.get(auth.replace(/^Bearer /i, ''));
  if (!person) {
    res.writeHead(401, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ message: 'Bad credentials' }));
  }
  return person;
}

function json(res, body) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

server.service.addRoute('GET', '/github/user', (req, res) => {
  const person = githubPerson(req, res);
  if (!person) return;
  const id = [...person.sub].reduce((n, c) => (n * 31 + c.charCodeAt(0)) % 1e9, 7);
  json(res, { id, login: person.sub, name: person.name ?? null });
});

server.service.addRoute('GET', '/github/user/emails', (req, res) => {
  const person = githubPerson(req, res);
  if (!person) return;
  json(res, person.email ? [{ email: person.email, primary: true, verified: person.email_verified }] : []);
});

console.log(JSON.stringify({ issuer: server.issuer.url }));
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
