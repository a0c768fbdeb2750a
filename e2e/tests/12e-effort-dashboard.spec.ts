import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { admin, login, logout } from './fixtures';
import { loginAsAdmin, previousMonth } from './attendance-data';
import { api, write, builtinRole, createUser, bytesOf } from './api-calls';

/**
 * Who approves and the effort dashboards: the administrator names an organisation's manager on
 * the organisations page; its member's month waits for that manager alone. The member's home
 * page shows their week, their missing days (each a link to its week) and their periods; the
 * manager's shows the period waiting for them, which links to the approvals page, where it waits
 * for them by default. Then the projects page's CSV goes down and back up.
 */
const stamp = Date.now().toString(36);
const boss = { login: `dshboss${stamp}`, name: `DSH Boss ${stamp}`, password: 'Maple-Approver-2026' };
const worker = { login: `dshwork${stamp}`, name: `DSH Worker ${stamp}`, password: 'Cedar-Worker-2026' };
const mate = { login: `dshmate${stamp}`, name: `DSH Mate ${stamp}`, password: 'Birch-Mate-2026' };
const team = `DSH-Team-${stamp}`;
const code = `DSH-${stamp}`;

test('an organisation manager approves its people; dashboards link to what fixes each item', async ({ page, playwright, baseURL }) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const bossId = await createUser(page.request, boss, await builtinRole(page.request, 'manager'));
  const workerId = await createUser(page.request, worker, await builtinRole(page.request, 'member'));
  // A member named as another member's approver (no projects.manage).
  const mateId = await createUser(page.request, mate, await builtinRole(page.request, 'member'));
  const namedMate = await page.request.put(api(`/users/${mateId}`), { headers: write, data: { approver_id: workerId } });
  expect(namedMate.ok(), await namedMate.text()).toBe(true);

  // The organisation and its manager, on the organisations page.
  await page.getByTestId('nav-organizations').click();
  await page.getByTestId('org-new').click();
  const dialog = page.getByTestId('org-dialog');
  await expect(dialog.getByLabel('Name')).toBeFocused();
  await page.keyboard.type(team);
  await dialog.getByLabel('Manager (approves effort)').selectOption({ label: `${boss.name} (${boss.login})` });
  await dialog.getByLabel('Name').press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId(`org-${team}`)).toBeVisible();
  const orgs: { id: number; name: string; manager_id: number | null }[] = await (await page.request.get(api('/organizations'))).json();
  const org = orgs.find((o) => o.name === team)!;
  expect(org.manager_id).toBe(bossId);
  const placed = await page.request.put(api(`/users/${workerId}`), { headers: write, data: { organization_id: org.id } });
  expect(placed.ok(), await placed.text()).toBe(true);
  // The users page names an approver too; the worker has none, so the organisation's manager approves.
  await page.getByTestId('nav-users').click();
  await page.getByLabel('Search login or name').fill(worker.login);
  await page.getByTestId('user-search-submit').click();
  await page.getByTestId(`user-row-${worker.login}`).getByRole('button', { name: 'Edit' }).click();
  await expect(page.getByTestId('user-dialog').getByLabel('Effort approver')).toHaveValue('');
  await page.keyboard.press('Escape');

  // A project the worker books on, and one day of last month entered; the month submitted.
  const made = await page.request.post(api('/effort/projects'), {
    headers: write,
    data: { code, name: 'Dashboard check', allow_unassigned: true, status: 'active' },
  });
  expect(made.status(), await made.text()).toBe(201);
  const projectId: number = (await made.json()).id;
  const members = await page.request.put(api(`/effort/projects/${projectId}/members`), {
    headers: write,
    data: { members: [{ user_id: workerId }, { user_id: mateId }] },
  });
  expect(members.ok(), await members.text()).toBe(true);
  const member = await playwright.request.newContext({ baseURL });
  const day = `${previousMonth()}-10`;
  try {
    expect((await member.post(api('/auth/login'), { headers: write, data: { login: worker.login, password: worker.password } })).ok()).toBe(true);
    const saved = await member.put(api('/effort/entries'), {
      headers: write,
      data: { id: randomUUID(), date: day, project_id: projectId, minutes: 90, note: 'dashboard' },
    });
    expect(saved.ok(), await saved.text()).toBe(true);
    const submitted = await member.post(api('/effort/periods/submit'), { headers: write, data: { date: day } });
    expect(submitted.ok(), await submitted.text()).toBe(true);
    expect((await submitted.json()).approver_id).toBe(bossId);
  } finally {
    await member.dispose();
  }
  const other = await playwright.request.newContext({ baseURL });
  try {
    expect((await other.post(api('/auth/login'), { headers: write, data: { login: mate.login, password: mate.password } })).ok()).toBe(true);
    const submitted = await other.post(api('/effort/periods/submit'), { headers: write, data: { date: day } });
    expect(submitted.ok(), await submitted.text()).toBe(true);
  } finally {
    await other.dispose();
  }

  // The worker's home page: the week, the missing days, the periods; a missing day's link opens its week.
  await logout(page);
  await login(page, worker.login, worker.password);
  const mine = page.getByTestId('dash-mine');
  await expect(mine.getByTestId('dash-week').locator('tbody tr')).toHaveCount(7);
  await expect(mine.getByTestId('dash-periods').locator(`li[data-state="submitted"]`)).toContainText(`${previousMonth()}-01`);
  const missing = mine.getByTestId('dash-missing').getByRole('link');
  await expect(missing.first()).toBeVisible();
  await expect(mine.getByTestId(`dash-missing-${day}`)).toHaveCount(0);
  const href = (await missing.first().getAttribute('href'))!;
  const week = new URL(href, 'http://x').searchParams.get('week');
  await missing.first().focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('effort-grid')).toHaveAttribute('data-week', week!);
  // The worker approves their mate's month from their own dashboard, without projects.manage.
  await page.goto('./');
  const mateLink = page.getByTestId('dash-approver').getByTestId(`dash-waiting-${mate.login}`).getByRole('link');
  await mateLink.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Periods waiting for me' })).toBeVisible();
  await expect(page.getByLabel('Show everyone I may see')).toHaveCount(0);
  await page.getByTestId(`waiting-${mate.login}`).getByTestId('period-approve').click();
  await expect(page.getByTestId('approval-done')).toContainText('Approved');

  // The manager's home page: the period waits for them; its link opens the approvals page.
  await logout(page);
  await login(page, boss.login, boss.password);
  const approver = page.getByTestId('dash-approver');
  await expect(approver.getByTestId(`dash-person-missing-${worker.login}`)).toBeVisible();
  const waitingLink = approver.getByTestId(`dash-waiting-${worker.login}`).getByRole('link');
  await waitingLink.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Periods waiting for me' })).toBeVisible();
  const waiting = page.getByTestId(`waiting-${worker.login}`);
  await expect(waiting.getByTestId('period-approver')).toContainText(boss.name);
  await waiting.getByTestId('period-approve').click();
  await expect(page.getByTestId('approval-done')).toContainText('Approved');
  await expect(waiting).toHaveCount(0);
  // Everyone the manager may see, approved ones of the team included.
  await page.getByLabel('Show everyone I may see').check();
  await page.getByLabel('State').selectOption('approved');
  await page.getByLabel('Organisation').selectOption({ label: team });
  await page.getByTestId('period-filters-apply').click();
  await expect(page.getByTestId('filtered-period-table')).toContainText(worker.name);

  // The projects page's CSV: downloaded, uploaded back, reported.
  await logout(page);
  await login(page, admin.login, admin.password);
  await page.getByTestId('nav-projects').click();
  await page.getByTestId('csv-encoding').selectOption('utf-8');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('csv-export').click()]);
  expect(download.suggestedFilename()).toBe('projects.csv');
  const file = await bytesOf(download);
  expect(file.toString('utf8')).toContain(`project,${code},Dashboard check,`);
  expect(file.toString('utf8')).toContain(`member,${code},,,,,${worker.login},member`);
  await page.getByTestId('csv-import').setInputFiles({ name: 'projects.csv', mimeType: 'text/csv', buffer: file });
  const report = page.getByTestId('import-report');
  await expect(report).toBeVisible();
  await expect(report).toContainText('Created: 0');
});
