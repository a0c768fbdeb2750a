import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { admin, ensureSetUp, isHome, login } from './fixtures';

/** Two people with log accounts, whose previous month is imported and computed. */
export const kato = { login: 'kato', name: 'Kato Ken', password: 'Blue-Overtime-2026', logAccount: 'OSAKA\\kato' };
export const mori = { login: 'mori', name: 'Mori Mai', password: 'Green-Regular-2026', logAccount: 'OSAKA\\mori' };
/** Kato works 08:50–19:30 (1:40 overtime a day), Mori 09:00–18:00, on these many working days. */
export const workDays = 5;
export const katoOvertime = '8:20';

/** `YYYY-MM-DD` of today in Tokyo (the UI's and the rules' time zone). */
export function tokyoToday(): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Tokyo' }).format(new Date());
}

/** The month before the current one, `YYYY-MM`. */
export function previousMonth(): string {
  const [y, m] = tokyoToday().split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 2, 1));
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

function lastDay(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${month}-${String(new Date(Date.UTC(y, m, 0)).getUTCDate()).padStart(2, '0')}`;
}

/**
 * The first `n` working days of `month` as `YYYY/MM/DD`: weekdays that are not holidays of the
 * company's calendar (`holidays`: `YYYY-MM-DD` of the national and company holidays), so that a
 * month with a national holiday on a weekday (2026-11-03) still has `n` days of plain overtime.
 */
function workingDays(month: string, n: number, holidays: Set<string>): string[] {
  const [y, m] = month.split('-').map(Number);
  const out: string[] = [];
  for (let d = 1; out.length < n; d++) {
    const wd = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
    const iso = `${month}-${String(d).padStart(2, '0')}`;
    if (wd !== 0 && wd !== 6 && !holidays.has(iso)) out.push(iso.replaceAll('-', '/'));
  }
  return out;
}

/** The holidays of `month`'s year as the server's calendar has them (`YYYY-MM-DD`). */
async function holidaysOf(request: APIRequestContext, month: string): Promise<Set<string>> {
  const r = await request.get(api(`/attendance/holidays?year=${month.slice(0, 4)}`));
  expect(r.ok(), await r.text()).toBe(true);
  const entries: { date: string; kind: string }[] = await r.json();
  return new Set(entries.filter((e) => e.kind !== 'working').map((e) => e.date));
}

export function alogCsv(month: string, holidays: Set<string>): string {
  const line = (t: string, u: string, op: string) => `${t},${u},DC001,CLPC001,${op},ClientName:CLPC001 LogonType:Script\n`;
  let csv = '時刻,ユーザー,サーバ,対象,操作,詳細\n';
  for (const d of workingDays(month, workDays, holidays)) {
    csv += line(`${d} 08:50:00`, kato.logAccount, 'LOGON') + line(`${d} 19:30:00`, kato.logAccount, 'LOGOFF');
    csv += line(`${d} 09:00:00`, mori.logAccount, 'LOGON') + line(`${d} 18:00:00`, mori.logAccount, 'LOGOFF');
  }
  return csv;
}

const api = (path: string) => `./api/v1${path}`;
const write = { 'x-kinmu-request': '1' };

async function createUser(request: APIRequestContext, u: typeof kato) {
  const r = await request.post(api('/users'), {
    headers: write,
    data: { login: u.login, display_name: u.name, log_accounts: [u.logAccount], password: u.password },
  });
  // 409: an earlier run on this database created them.
  expect([200, 201, 409], await r.text()).toContain(r.status());
}

/** Runs the `kinmu` command on the server's database (scripts/test says where both are). */
export function kinmu(...args: string[]): string {
  const bin = process.env.KINMU_E2E_KINMU;
  const dataDir = process.env.KINMU_E2E_DATA_DIR;
  if (!bin || !dataDir) {
    throw new Error('KINMU_E2E_KINMU and KINMU_E2E_DATA_DIR must name the kinmu binary and the server\'s data folder (scripts/test sets them)');
  }
  return execFileSync(bin, ['--data-dir', dataDir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export async function loginAsAdmin(page: Page) {
  await ensureSetUp(page);
  await page.goto('./login');
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
}

/**
 * Users kato and mori, last month's logs imported with `kinmu import`, and the month rebuilt
 * from the attendance task page (waiting until the run completes). The admin stays logged in.
 */
export async function prepareAttendance(page: Page) {
  await loginAsAdmin(page);
  const month = previousMonth();
  const done = await page.request.get(api(`/attendance/reports/monthly?month=${month}`));
  if (done.ok() && (await done.json()).total_rows >= 2) return;
  await createUser(page.request, kato);
  await createUser(page.request, mori);
  const dir = mkdtempSync(join(tmpdir(), 'kinmu-e2e-logs-'));
  const file = join(dir, 'alog.csv');
  writeFileSync(file, alogCsv(month, await holidaysOf(page.request, month)));
  kinmu('import', file);

  await page.getByTestId('nav-attendance-admin').click();
  await page.getByTestId('subnav-task').click();
  await expect(page.getByRole('heading', { name: 'Attendance task' })).toBeVisible();
  await page.getByLabel('From', { exact: true }).fill(`${month}-01`);
  await page.getByLabel('To', { exact: true }).fill(lastDay(month));
  await page.getByTestId('task-rebuild').click();
  const latest = page.getByTestId('task-runs').locator('tbody tr').first();
  await expect(latest).toContainText(`${month}-01 – ${lastDay(month)}`, { timeout: 30_000 });
  await expect(latest.getByTestId('task-run-status')).toHaveText('completed', { timeout: 60_000 });
}

/** The entries of a zip file (stored or deflated), by name. */
export function unzip(buf: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let eocd = buf.length - 22;
  while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  for (let i = 0; i < count; i++) {
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    out.set(name, method === 8 ? inflateRawSync(data) : Buffer.from(data));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return out;
}
