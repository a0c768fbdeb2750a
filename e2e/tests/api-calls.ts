import { expect, type APIRequestContext, type Download } from '@playwright/test';

/**
 * What the effort specs do through the API to set up their data: the path of a route, the header
 * every write carries (the server's CSRF rule), a built-in role's id, a new user, a created
 * resource (201 expected, the server's answer shown when not), and a download's bytes.
 */
export const api = (path: string) => `./api/v1${path}`;
export const write = { 'x-kinmu-request': '1' };

export type NewUser = { login: string; name: string; password: string };

export async function builtinRole(request: APIRequestContext, key: string): Promise<number> {
  const roles: { id: number; builtin: string | null }[] = await (await request.get(api('/roles'))).json();
  return roles.find((x) => x.builtin === key)!.id;
}

export async function createUser(request: APIRequestContext, u: NewUser, role: number): Promise<number> {
  const r = await request.post(api('/users'), {
    headers: write,
    data: { login: u.login, display_name: u.name, password: u.password, role_id: role, language: 'en' },
  });
  expect(r.status(), await r.text()).toBe(201);
  return (await r.json()).id;
}

export async function post(request: APIRequestContext, path: string, data: object): Promise<{ id: number }> {
  const r = await request.post(api(path), { headers: write, data });
  expect(r.status(), await r.text()).toBe(201);
  return r.json();
}

export async function bytesOf(download: Download): Promise<Buffer> {
  return Buffer.concat(await (await download.createReadStream()).toArray());
}
