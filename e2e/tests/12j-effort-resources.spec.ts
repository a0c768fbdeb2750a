import { expect, test } from '@playwright/test';
import { login, logout } from './fixtures';
import { loginAsAdmin } from './attendance-data';
import { api, write, builtinRole, createUser, post, bytesOf } from './api-calls';

/**
 * The resource view (issue 19): a manager assigns a worker to two dated work items of the same
 * week (120 h, more than any week's working hours) and to one of the next week (2 h). Opening the
 * resource view from the navigation, filtered to the project by keyboard, the first week is
 * marked over-allocated by its sign and word, the second is not; the CSV file says the same.
 */
const stamp = Date.now().toString(36);
const boss = { login: `resboss${stamp}`, name: `RES Boss ${stamp}`, password: 'Maple-Planner-2026' };
const worker = { login: `reswork${stamp}`, name: `RES Worker ${stamp}`, password: 'Cedar-Builder-2026' };
const code = `RES-${stamp}`;

test('a manager sees a worker over-allocated in the resource view', async ({ page }) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const bossId = await createUser(page.request, boss, await builtinRole(page.request, 'manager'));
  const workerId = await createUser(page.request, worker, await builtinRole(page.request, 'member'));

  // The manager assigns the worker, through the API as the page would.
  await logout(page);
  await login(page, boss.login, boss.password);
  await expect(page.getByTestId('nav-resources')).toBeVisible();
  const project = await post(page.request, '/effort/projects', { code, name: 'Resource check', manager_id: bossId, status: 'active' });
  const members = await page.request.put(api(`/effort/projects/${project.id}/members`), {
    headers: write,
    data: { members: [{ user_id: bossId, role: 'manager' }, { user_id: workerId }] },
  });
  expect(members.ok(), await members.text()).toBe(true);
  // Week 2027-W09 (Monday 2027-03-01): 60 h on each of two items; the next week: 2 h.
  for (const [name, minutes, start, end] of [
    ['Screens', 3600, '2027-03-01', '2027-03-05'],
    ['API', 3600, '2027-03-01', '2027-03-05'],
    ['Review', 120, '2027-03-08', '2027-03-08'],
  ] as const) {
    await post(page.request, `/effort/projects/${project.id}/work-items`, {
      name,
      planned_minutes: minutes,
      planned_start: start,
      planned_end: end,
      assignee_ids: [workerId],
    });
  }

  await page.getByTestId('nav-resources').click();
  await expect(page).toHaveURL(/\/effort\/resources$/);
  await expect(page.getByRole('heading', { name: 'Resource view' })).toBeVisible();
  await page.getByTestId('res-from').fill('2027-03-01');
  await page.getByTestId('res-to').fill('2027-03-14');
  // The project by keyboard.
  const select = page.getByLabel('Project', { exact: true });
  await select.focus();
  await select.selectOption({ label: `${code} Resource check` });
  await expect(select).toBeFocused();

  const row = page.getByTestId(`res-row-${worker.login}`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId(`res-row-${boss.login}`)).toBeVisible();
  const over = page.getByTestId(`res-cell-${worker.login}-2027-03-01`);
  await expect(over).toContainText('120:00');
  await expect(over).toContainText('‼ over');
  await expect(over).toHaveAttribute('data-over', 'true');
  await expect(over).toHaveClass(/over/);
  const next = page.getByTestId(`res-cell-${worker.login}-2027-03-08`);
  await expect(next).toContainText('2:00');
  await expect(next).not.toContainText('‼');
  await expect(next).toHaveAttribute('data-over', 'false');
  await expect(page.getByTestId('res-summary')).toContainText('1 / 2');
  // The table scrolls by keyboard: it takes the focus.
  await page.getByRole('region', { name: 'Resource view' }).focus();
  await expect(page.getByRole('region', { name: 'Resource view' })).toBeFocused();

  // The CSV file: UTF-8 with BOM, the same week marked.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('resources-download-csv').click()]);
  const bytes = await bytesOf(download);
  expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const lines = bytes.subarray(3).toString('utf-8').split(/\r?\n/);
  const overLine = lines.find((l) => l.startsWith(`${worker.login},`) && l.includes(',2027-03-01,'));
  expect(overLine, lines.join('\n')).toMatch(/,120:00,[^,]*,\d+,over$/);
  const nextLine = lines.find((l) => l.startsWith(`${worker.login},`) && l.includes(',2027-03-08,'));
  expect(nextLine, lines.join('\n')).toMatch(/,2:00,[^,]*,\d*,$/);
  await logout(page);
});
