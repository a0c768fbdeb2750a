import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { activityLevels, admin, isHome, login, logout } from './fixtures';
import { kinmu, loginAsAdmin, previousMonth } from './attendance-data';
import { api, write } from './api-calls';

/** A member who books effort; their PC logs say when they worked. */
const hana = { login: 'ishii', name: 'Ishii Aiko', password: 'Effort-Grid-2026!', logAccount: 'OSAKA\\ishii' };

async function send(request: APIRequestContext, method: 'post' | 'put', path: string, data: unknown) {
  const r = await request[method](api(path), { headers: write, data });
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.json();
}

/** Created once; on a database an earlier run used, the existing one. */
async function ensure(request: APIRequestContext, path: string, data: Record<string, unknown>, same: (x: any) => boolean) {
  const r = await request.post(api(path), { headers: write, data });
  if (r.status() === 409) return ((await (await request.get(api(path))).json()) as any[]).find(same);
  expect(r.status(), await r.text()).toBeLessThan(300);
  return r.json();
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** ISO week `YYYY-Www` of a date. */
function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return `${y}-W${String(week).padStart(2, '0')}`;
}

/**
 * A whole week (Monday to Sunday) of last month whose Monday to Wednesday are working days, and
 * those three days.
 */
async function chooseWeek(request: APIRequestContext): Promise<{ week: string; days: string[] }> {
  const month = previousMonth();
  const r = await request.get(api(`/attendance/holidays?year=${month.slice(0, 4)}`));
  const holidays = new Set(((await r.json()) as { date: string; kind: string }[]).filter((h) => h.kind !== 'working').map((h) => h.date));
  const [y, m] = month.split('-').map(Number);
  for (let d = 1; d <= 22; d++) {
    const monday = new Date(Date.UTC(y, m - 1, d));
    if (monday.getUTCDay() !== 1) continue;
    const sunday = new Date(Date.UTC(y, m - 1, d + 6));
    // The next week's Wednesday too (last week's rows are copied into it).
    const nextWednesday = new Date(Date.UTC(y, m - 1, d + 9));
    if (sunday.getUTCMonth() !== m - 1 || nextWednesday.getUTCMonth() !== m - 1) continue;
    const days = [0, 1, 2].map((i) => iso(new Date(Date.UTC(y, m - 1, d + i))));
    if (days.some((x) => holidays.has(x))) continue;
    return { week: isoWeek(monday), days };
  }
  throw new Error(`no whole week in ${month}`);
}

/**
 * Hana, a project with a work item she is assigned to and an activity, a gap reason, and her PC
 * logs (09:00–18:00 on Monday to Wednesday of the chosen week) imported with `kinmu import` and
 * computed by the attendance task.
 */
async function prepare(page: Page) {
  await loginAsAdmin(page);
  const request = page.request;
  const roles = (await (await request.get(api('/roles'))).json()) as { id: number; builtin: string }[];
  const member = roles.find((r) => r.builtin === 'member')!.id;
  const created = await request.post(api('/users'), {
    headers: write,
    data: { login: hana.login, display_name: hana.name, role_id: member, password: hana.password, language: 'en', log_accounts: [hana.logAccount] },
  });
  // 409: an earlier run on this database created her.
  expect([201, 409], await created.text()).toContain(created.status());
  const users = (await (await request.get(api(`/users?q=${hana.login}`))).json()).users as { id: number; login: string }[];
  const hanaId = users.find((u) => u.login === hana.login)!.id;
  const project = await ensure(request, '/effort/projects', { code: 'E2E-WEB', name: 'Web renewal', client: 'Acme' }, (p) => p.code === 'E2E-WEB');
  await send(request, 'put', `/effort/projects/${project.id}/members`, { members: [{ user_id: hanaId, role: 'member' }] });
  const items = (await (await request.get(api(`/effort/projects/${project.id}/work-items`))).json()) as any[];
  if (!items.some((w) => w.name === 'Design')) {
    await send(request, 'post', `/effort/projects/${project.id}/work-items`, { name: 'Design', assignee_ids: [hanaId] });
  }
  await ensure(request, '/effort/activities', { level: 1, code: 'DES', name: 'Basic design' }, (a) => a.code === 'DES');
  await ensure(request, '/effort/gap-reasons', { name: 'Meetings not booked' }, (r) => r.name === 'Meetings not booked');

  const chosen = await chooseWeek(request);
  const dir = mkdtempSync(join(tmpdir(), 'kinmu-e2e-effort-'));
  const file = join(dir, 'alog.csv');
  let csv = '時刻,ユーザー,サーバ,対象,操作,詳細\n';
  for (const d of chosen.days) {
    const day = d.replaceAll('-', '/');
    csv += `${day} 09:00:00,${hana.logAccount},DC001,CLPC009,LOGON,ClientName:CLPC009 LogonType:Script\n`;
    csv += `${day} 18:00:00,${hana.logAccount},DC001,CLPC009,LOGOFF,ClientName:CLPC009 LogonType:Script\n`;
  }
  writeFileSync(file, csv);
  kinmu('import', file);
  await send(request, 'post', '/attendance/task/run', { from: chosen.days[0], to: chosen.days[2] });
  await expect
    .poll(async () => (await (await request.get(api('/attendance/task'))).json()).running, { timeout: 60_000 })
    .toBeFalsy();
  return { ...chosen, projectId: project.id as number };
}

test('effort week: entered by keyboard, a wrong value marked at its cell, a gap explained, the period submitted and then locked', async ({ page }) => {
  const { week, days } = await prepare(page);
  await logout(page);
  await login(page, hana.login, hana.password);
  await page.getByTestId('nav-effort').click();
  await expect(page).toHaveURL(/\/effort$/);
  await expect(page.getByRole('heading', { name: 'My effort' })).toBeVisible();

  // To the week of the imported logs: its attendance is under each day.
  await page.getByLabel('Week', { exact: true }).fill(week);
  await page.getByLabel('Week', { exact: true }).press('Enter');
  await page.getByLabel('Week', { exact: true }).blur();
  const grid = page.getByTestId('effort-grid');
  await expect(grid).toHaveAttribute('data-week', week);
  await expect(page.getByTestId('effort-clock-in').locator('td').nth(0)).not.toHaveText('');
  const actual = (await page.getByTestId('effort-actual-work').locator('td').nth(0).innerText()).trim();
  expect(actual).toMatch(/^\d+:\d\d$/);
  const [h, m] = actual.split(':').map(Number);

  // A row: project, work item, activity.
  await page.getByLabel('Project', { exact: true }).selectOption({ label: 'E2E-WEB Web renewal' });
  await page.getByLabel('Work item', { exact: true }).selectOption({ label: 'Design' });
  // Activity level 1 as the setup wizard named it.
  await page.getByLabel(activityLevels[0], { exact: true }).selectOption({ label: 'DES Basic design' });
  await page.getByTestId('effort-add-row-button').focus();
  await page.keyboard.press('Enter');
  const row = page.getByTestId('effort-row').first();
  const cell = (d: number) => row.getByTestId(`effort-cell-${d}`);
  // The new row's first cell has the focus: the week by keyboard only.
  await expect(cell(0)).toBeFocused();
  await page.keyboard.type(actual);
  await page.keyboard.press('Enter');
  await expect(cell(0)).toHaveValue(actual);
  await page.keyboard.press('Tab');
  await expect(cell(1)).toBeFocused();
  await page.keyboard.type(`${h * 60 + m}m`);
  await page.keyboard.press('Enter');
  await expect(cell(1)).toHaveValue(actual);
  await page.keyboard.press('ArrowRight');
  await expect(cell(2)).toBeFocused();
  await page.keyboard.type('2h30m');
  await page.keyboard.press('Enter');
  await expect(cell(2)).toHaveValue('2:30');

  // A wrong value is marked at its cell with the reason; the other cells keep theirs.
  await page.keyboard.press('ArrowRight');
  await expect(cell(3)).toBeFocused();
  await page.keyboard.type('1:75');
  await page.keyboard.press('Enter');
  await expect(cell(3)).toHaveAttribute('aria-invalid', 'true');
  await expect(row.locator('td').nth(3).getByTestId('effort-cell-error')).toContainText('2:15');
  await expect(cell(3)).toHaveValue('1:75');
  await expect(cell(0)).toHaveValue(actual);
  await expect(cell(2)).toHaveValue('2:30');
  // Escape gives the cell back its stored (empty) value.
  await page.keyboard.press('Escape');
  await expect(cell(3)).toHaveValue('');
  await expect(cell(3)).toHaveAttribute('aria-invalid', 'false');
  // Arrows come back; the totals follow the saved cells.
  await page.keyboard.press('ArrowLeft');
  await expect(cell(2)).toBeFocused();
  await expect(row.getByTestId('effort-row-total')).not.toHaveText('0:00');
  await expect(page.getByTestId('effort-day-total-2')).toHaveText('2:30');

  // Copy this week's rows with their hours into the next week, then clear them there by keyboard.
  await page.getByTestId('effort-week-next').click();
  await expect(grid).not.toHaveAttribute('data-week', week);
  await expect(page.getByTestId('effort-row')).toHaveCount(0);
  await page.getByTestId('effort-copy-hours').check();
  await page.getByTestId('effort-copy').click();
  await expect(cell(0)).toHaveValue(actual);
  await expect(cell(2)).toHaveValue('2:30');
  await expect(cell(3)).toHaveValue('');
  for (const d of [0, 1, 2]) {
    await cell(d).focus();
    await page.keyboard.press('Delete');
    await page.keyboard.press('Enter');
    await expect(cell(d)).toHaveValue('');
  }
  await expect(page.getByTestId('effort-week-total')).toHaveText('0:00');
  await page.getByTestId('effort-week-prev').click();
  await expect(grid).toHaveAttribute('data-week', week);
  await expect(cell(0)).toHaveValue(actual);

  // Wednesday's 2:30 against a full day of PC activity is a gap; Monday's and Tuesday's are not.
  await expect(page.getByTestId('effort-gap-2').getByTestId('effort-gap-mark')).toBeVisible();
  await expect(page.getByTestId('effort-gap-0').getByTestId('effort-gap-mark')).toHaveCount(0);
  await expect(page.getByTestId('effort-gap-1').getByTestId('effort-gap-mark')).toHaveCount(0);
  const gap = page.locator(`[data-testid=effort-gap][data-date="${days[2]}"]`);
  await expect(gap).toBeVisible();

  // Submitting with the gap unexplained is refused, naming the day.
  await expect(page.getByTestId('effort-period-state')).toHaveAttribute('data-state', /open|reopened|sent_back/);
  await page.getByTestId('effort-submit').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('effort-submit-error')).toContainText(days[2]);

  // Its reason, then the submission goes through and the cells become read-only.
  await gap.getByTestId('effort-gap-reason').selectOption({ label: 'Meetings not booked' });
  await gap.getByTestId('effort-gap-text').fill('Customer workshop all afternoon');
  await gap.getByTestId('effort-gap-save').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator(`[data-testid=effort-gap][data-date="${days[2]}"]`)).toHaveAttribute('data-explained', 'true');
  await page.getByTestId('effort-submit').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('effort-submitted')).toBeVisible();
  await expect(page.getByTestId('effort-period-state')).toHaveAttribute('data-state', 'submitted');
  await expect(cell(0)).toHaveAttribute('readonly', '');
  await expect(page.getByTestId('effort-locked')).toContainText('waits for approval');

  // The administrator approves it (the approval page is another's): locked and read-only.
  await logout(page);
  await login(page, admin.login, admin.password);
  await expect(page).toHaveURL(isHome);
  const listed = await page.request.get(api(`/effort/periods?user=${hana.login}`));
  expect(listed.status(), await listed.text()).toBe(200);
  const periods = (await listed.json()) as any[];
  const period = periods.find((p) => p.start <= days[0] && days[0] <= p.end && p.state === 'submitted');
  await send(page.request, 'post', `/effort/periods/${period.id}/approve`, { comment: 'ok' });
  await logout(page);
  await login(page, hana.login, hana.password);
  await expect(page).toHaveURL(isHome);
  await page.getByTestId('nav-effort').click();
  await page.getByLabel('Week', { exact: true }).fill(week);
  await page.getByLabel('Week', { exact: true }).blur();
  await expect(grid).toHaveAttribute('data-week', week);
  await expect(page.getByTestId('effort-period-state')).toHaveAttribute('data-state', 'approved');
  await expect(page.getByTestId('effort-locked')).toContainText('approved and locked');
  await expect(cell(0)).toHaveValue(actual);
  for (let d = 0; d < 7; d++) await expect(cell(d)).toHaveAttribute('readonly', '');
  await expect(page.getByTestId('effort-submit')).toBeDisabled();
  await expect(page.locator(`[data-testid=effort-gap][data-date="${days[2]}"]`).getByTestId('effort-gap-save')).toBeDisabled();
  // Typing into a locked cell changes nothing.
  await cell(2).focus();
  await page.keyboard.type('8');
  await page.keyboard.press('Enter');
  await expect(cell(2)).toHaveValue('2:30');

  // The same page in Japanese, kept as a screenshot.
  await page.getByTestId('language-switch').click();
  await expect(page.getByRole('heading', { name: '工数入力' })).toBeVisible();
  await expect(page.getByTestId('effort-locked')).toContainText('承認済み');
  await page.screenshot({ path: test.info().outputPath('effort-week-ja.png'), fullPage: true });
  await page.getByTestId('language-switch').click();
  await expect(page.getByRole('heading', { name: 'My effort' })).toBeVisible();
});
