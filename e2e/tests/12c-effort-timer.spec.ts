import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { activityLevels, login, logout } from './fixtures';
import { loginAsAdmin } from './attendance-data';
import { api, write } from './api-calls';

/** A member who books effort with the timer; the project is theirs. */
const tomo = { login: 'tmr-tomo', name: 'TMR Tomo', password: 'Timer-Row-2026!' };
const projectCode = 'TMR-1';
const projectLabel = 'TMR-1 Timer project';

/** ISO week `YYYY-Www` of a `YYYY-MM-DD` date. */
function isoWeek(date: string): string {
  const [y0, m0, d0] = date.split('-').map(Number);
  const t = new Date(Date.UTC(y0, m0 - 1, d0));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y = t.getUTCFullYear();
  const week = Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7);
  return `${y}-W${String(week).padStart(2, '0')}`;
}

/** Tomo and the project TMR-1 with Tomo as its member (on a database an earlier run used, the existing ones). */
async function prepare(page: Page) {
  await loginAsAdmin(page);
  const request: APIRequestContext = page.request;
  const roles = (await (await request.get(api('/roles'))).json()) as { id: number; builtin: string }[];
  const member = roles.find((r) => r.builtin === 'member')!.id;
  const created = await request.post(api('/users'), {
    headers: write,
    data: { login: tomo.login, display_name: tomo.name, role_id: member, password: tomo.password, language: 'en' },
  });
  expect([201, 409], await created.text()).toContain(created.status());
  const users = (await (await request.get(api(`/users?q=${tomo.login}`))).json()).users as { id: number; login: string }[];
  const tomoId = users.find((u) => u.login === tomo.login)!.id;
  let project = await request.post(api('/effort/projects'), { headers: write, data: { code: projectCode, name: 'Timer project' } });
  let projectId: number;
  if (project.status() === 409) {
    projectId = ((await (await request.get(api('/effort/projects'))).json()) as any[]).find((p) => p.code === projectCode).id;
  } else {
    expect(project.status(), await project.text()).toBe(201);
    projectId = (await project.json()).id;
  }
  const members = await request.put(api(`/effort/projects/${projectId}/members`), { headers: write, data: { members: [{ user_id: tomoId }] } });
  expect(members.status(), await members.text()).toBe(200);
  await logout(page);
}

/** Adds the TMR-1 row to the shown week by keyboard. */
async function addRow(page: Page) {
  await page.getByLabel('Project', { exact: true }).selectOption({ label: projectLabel });
  await page.getByTestId('effort-add-row-button').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('effort-row').filter({ hasText: projectLabel })).toHaveCount(1);
}

test('effort timer: started on a row by keyboard, ticking in the header, its cell read-only, stopped into the cell', async ({ page }) => {
  test.setTimeout(180_000);
  await prepare(page);
  await login(page, tomo.login, tomo.password);
  await page.getByTestId('nav-effort').click();
  await expect(page).toHaveURL(/\/effort$/);
  const panel = page.getByTestId('effort-timer');
  // Nothing left running by an earlier run on this database.
  if ((await (await page.request.get(api('/effort/timer'))).json()) !== null) {
    await panel.getByTestId('effort-timer-discard').click();
  }
  await expect(panel.getByTestId('effort-timer-idle')).toBeVisible();
  await addRow(page);

  // Started from the row's button by keyboard: the header shows the row and the time, ticking.
  const start = page.getByRole('button', { name: `Start the timer on ${projectLabel}` });
  await start.focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('effort-timer-row')).toHaveText(projectLabel);
  await expect(panel.getByTestId('effort-timer-elapsed')).toContainText(/^0:00:\d\d$/);
  const seconds = panel.getByTestId('effort-timer-seconds');
  const first = await seconds.innerText();
  await expect(seconds).not.toHaveText(first, { timeout: 5_000 });
  // The day it runs on, as the server counts it.
  const running = (await (await page.request.get(api('/effort/timer'))).json()) as { segments: { date: string }[] };
  const timerDay = running.segments[running.segments.length - 1].date;

  // The day the timer runs on (the company's effort day) may lie in another week than the browser's today.
  const grid = page.getByTestId('effort-grid');
  if ((await grid.getAttribute('data-week')) !== isoWeek(timerDay)) {
    await page.getByLabel('Week', { exact: true }).fill(isoWeek(timerDay));
    await page.getByLabel('Week', { exact: true }).press('Enter');
    await page.getByLabel('Week', { exact: true }).blur();
    await expect(grid).toHaveAttribute('data-week', isoWeek(timerDay));
    await addRow(page);
  }
  const row = page.getByTestId('effort-row').filter({ hasText: projectLabel });
  const weekday = (new Date(`${timerDay}T00:00:00Z`).getUTCDay() + 6) % 7;
  const cell = row.getByTestId(`effort-cell-${weekday}`);
  // The running cell is read-only and says why, on focus and on hover.
  await expect(cell).toHaveAttribute('readonly', '');
  await expect(cell).toHaveAttribute('title', /Read-only while the timer runs/);
  await cell.focus();
  await expect(row.getByTestId('effort-cell-timer')).toBeVisible();
  await expect(row.getByTestId('effort-cell-timer')).toHaveText(/stopping it adds its time to this cell/);
  await expect(cell).toHaveAttribute('aria-describedby', /-timer$/);
  // The other days of the row stay editable.
  await expect(row.getByTestId(`effort-cell-${(weekday + 1) % 7}`)).not.toHaveAttribute('readonly', '');

  // Stopped within its first minute: nothing is recorded, and the page says so.
  await panel.getByTestId('effort-timer-stop').focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('effort-timer-status')).toHaveText('Under a minute: nothing was recorded');
  await expect(panel.getByTestId('effort-timer-idle')).toBeVisible();
  await expect(cell).not.toHaveAttribute('readonly', '');
  const before = await cell.inputValue();

  // Run again past a whole minute: the minute is added to the cell.
  await row.getByRole('button', { name: `Start the timer on ${projectLabel}` }).focus();
  await page.keyboard.press('Enter');
  await expect(cell).toHaveAttribute('readonly', '');
  await expect(panel.getByTestId('effort-timer-elapsed')).toContainText(/^0:01:\d\d$/, { timeout: 75_000 });
  await panel.getByTestId('effort-timer-stop').focus();
  await page.keyboard.press('Enter');
  await expect(panel.getByTestId('effort-timer-status')).toContainText(`Recorded: ${timerDay} 0:01`);
  const [h, m] = (before || '0:00').split(':').map(Number);
  const after = h * 60 + m + 1;
  await expect(cell).toHaveValue(`${Math.floor(after / 60)}:${String(after % 60).padStart(2, '0')}`);
  await expect(cell).not.toHaveAttribute('readonly', '');
  await page.screenshot({ path: 'test-results/12c-effort-timer.png' });
});

test('activity levels: the week grid shows the names the setup wizard gave them and hides a level not used', async ({ page }) => {
  await loginAsAdmin(page);
  const settings = await (await page.request.get(api('/effort/settings'))).json();
  expect([settings.activity1_label, settings.activity2_label]).toEqual(activityLevels);
  await page.getByTestId('nav-effort').click();
  await expect(page).toHaveURL(/\/effort$/);
  const heading = page.getByTestId('effort-row-heading');
  await expect(heading).toHaveText(`Project / Work item / ${activityLevels[0]} / ${activityLevels[1]}`);
  await expect(page.getByLabel(activityLevels[1], { exact: true })).toBeVisible();
  // Level 2 not used: its column and its choice in the row form go.
  const off = await page.request.put(api('/effort/settings'), { headers: write, data: { ...settings, activity2_used: false } });
  expect(off.status(), await off.text()).toBe(200);
  try {
    await page.reload();
    await expect(heading).toHaveText(`Project / Work item / ${activityLevels[0]}`);
    await expect(page.getByTestId('effort-a2-field')).toHaveCount(0);
    await expect(page.getByLabel(activityLevels[0], { exact: true })).toBeVisible();
  } finally {
    const back = await page.request.put(api('/effort/settings'), { headers: write, data: settings });
    expect(back.status(), await back.text()).toBe(200);
  }
});
