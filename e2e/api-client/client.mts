// A client generated from Kinmu's OpenAPI document proves the document usable: the types come
// from `openapi-typescript` (run on the document a live `kinmu serve` served, see
// tests/openapi_client/run), the calls go through `openapi-fetch`, and `tsc` checks every call
// below against those types before it runs. Against a fresh server: setup, log in, make an API
// token, then list users, read one, read the week and the caller, with the token alone.
import createClient from "openapi-fetch";
import type { paths } from "./generated/kinmu-api.js";

// Node's `process`, without its whole type package.
declare const process: { env: Record<string, string | undefined> };

const url = process.env.KINMU_API_URL;
if (!url) throw new Error("KINMU_API_URL is not set");
const baseUrl = `${url.replace(/\/$/, "")}/api/v1`;
const csrf = { "x-kinmu-request": "1" };

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new Error(`generated client: ${what}`);
}

const anonymous = createClient<paths>({ baseUrl });

// The document's own route, and setup (public; a change needs the CSRF header).
const setupState = await anonymous.GET("/setup");
check(setupState.response.status === 200 && setupState.data?.needs_setup === true, `a fresh server needs setup: ${setupState.response.status}`);
const password = "Kinmu-Strong-2026";
const setup = await anonymous.POST("/setup", {
  headers: csrf,
  body: {
    organization_name: "OA Client Co",
    admin_login: "oa-admin",
    admin_display_name: "OA 管理者",
    admin_password: password,
    default_language: "en",
    time_zone: "Asia/Tokyo",
  },
});
check(setup.response.status === 200 && setup.data?.user.login === "oa-admin", `setup: ${setup.response.status}`);

// Log in with a session: the cookie, and the CSRF header on changes.
const login = await anonymous.POST("/auth/login", { headers: csrf, body: { login: "oa-admin", password } });
check(login.response.status === 200 && login.data !== undefined, `login: ${login.response.status} ${JSON.stringify(login.error)}`);
const cookie = (login.response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
check(cookie.startsWith("kinmu_session="), `the login sets the session cookie: ${cookie}`);
const session = createClient<paths>({ baseUrl, headers: { cookie, ...csrf } });

const added = await session.POST("/users", {
  body: { login: "oa-kato", display_name: "加藤 一郎", password: "Blue-Harbor-58", log_accounts: [] },
});
check(added.response.status === 201 && added.data?.login === "oa-kato", `add a user: ${added.response.status} ${JSON.stringify(added.error)}`);

// A personal API token (only a session makes one), shown once.
const expires = new Date(Date.now() + 7 * 86400_000).toISOString().slice(0, 10);
const made = await session.POST("/me/tokens", {
  body: { name: "oa-generated-client", scopes: ["users.view", "effort.enter", "projects.manage"], expires_on: expires },
});
check(made.response.status === 201 && made.data !== undefined, `make a token: ${made.response.status} ${JSON.stringify(made.error)}`);
const secret = made.data.secret;

// The token alone: no cookie, no CSRF header.
const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${secret}` } });
const me = await api.GET("/auth/me");
check(me.response.status === 200 && me.data?.user.api_token === made.data.token.id, `me with the token: ${me.response.status}`);

const users = await api.GET("/users", { params: { query: { limit: 10, q: "oa-" } } });
check(users.response.status === 200 && users.data !== undefined, `list users: ${users.response.status}`);
const logins = users.data.users.map((u) => u.login).sort();
check(JSON.stringify(logins) === JSON.stringify(["oa-admin", "oa-kato"]) && users.data.total === 2, `the users found: ${logins}`);

const kato = users.data.users.find((u) => u.login === "oa-kato");
check(kato !== undefined, "oa-kato is listed");
const one = await api.GET("/users/{id}", { params: { path: { id: kato.id } } });
check(one.response.status === 200 && one.data?.display_name === "加藤 一郎", `get a user: ${one.response.status}`);

const week = await api.GET("/effort/week", { params: { query: { week: "2026-W49" } } });
check(week.response.status === 200 && week.data?.days.length === 7 && week.data.week === "2026-W49", `the week: ${week.response.status}`);

// A refusal comes back as the documented error: a token cannot make tokens.
const refused = await api.POST("/me/tokens", { body: { name: "x", scopes: [], expires_on: expires } });
check(refused.response.status === 403 && refused.error?.code === "session_only", `a token making a token: ${JSON.stringify(refused.error)}`);
const missing = await api.GET("/users/{id}", { params: { path: { id: 999999 } } });
check(missing.response.status === 404 && missing.error?.code === "not_found", `an unknown user: ${JSON.stringify(missing.error)}`);

console.log(`generated client: 11 calls against ${baseUrl} agreed with the document (token ${made.data.token.id}, ${week.data.days.length} days)`);
console.log("1 passed, 0 failed");
