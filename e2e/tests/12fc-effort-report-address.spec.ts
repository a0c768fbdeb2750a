// The effort report's view in the address bar (issue 19, "Reports"): everything here is this
// spec's own (codes start with RAD- and a stamp). Two members book last month on a project of
// their own. A manager sets the period, the project, a grouping and a rounding; the address holds
// them, a reload and the same address opened in a new page show the same table, and back returns
// to the view before the rounding; a person chosen is still named after a reload.
import { randomUUID } from 'node:crypto';
import { expect, test, type Page } from '@playwright/test';
import { loginAsAdmin, previousMonth, tokyoToday } from './attendance-data';
import { api, write, builtinRole, createUser, post } from './api-calls';

const stamp = Date.now().toString(36);
const code = `RAD-${stamp}`;
const projectName = 'RAD report address';
const people = [
  { login: `radone${stamp}`, name: `RAD One ${stamp}`, password: 'Cedar-Address-2026' },
  { login: `radtwo${stamp}`, name: `RAD Two ${stamp}`, password: 'Birch-Address-2026' },
];

/** The table as text, row by row: what "the same table" means. */
async function table(page: Page): Promise<string[]> {
  await expect(page.getByTestId('er-table')).toBeVisible();
  return page.getByTestId('er-table').locator('tr').allInnerTexts();
}

test('effort report: the filters, grouping, period and rounding live in the address', async ({ page, playwright, baseURL, context }) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const member = await builtinRole(page.request, 'member');
  const ids: number[] = [];
  for (const p of people) ids.push(await createUser(page.request, p, member));
  const project = await post(page.request, '/effort/projects', { code, name: projectName, allow_unassigned: true, status: 'active' });
  const members = await page.request.put(api(`/effort/projects/${project.id}/members`), {
    headers: write,
    data: { members: ids.map((user_id) => ({ user_id })) },
  });
  expect(members.ok(), await members.text()).toBe(true);
  // One: 0:50 and 0:20 on one day; two: 0:35. Rounded up to 30 minutes per entry: 1:00 + 0:30, 1:00.
  const day = `${previousMonth()}-10`;
  const bookings = [[50, 20], [35]];
  for (const [i, p] of people.entries()) {
    const ctx = await playwright.request.newContext({ baseURL });
    try {
      const login = await ctx.post(api('/auth/login'), { headers: write, data: { login: p.login, password: p.password } });
      expect(login.ok(), await login.text()).toBe(true);
      for (const minutes of bookings[i]) {
        const saved = await ctx.put(api('/effort/entries'), {
          headers: write,
          data: { id: randomUUID(), date: day, project_id: project.id, minutes, note: 'RAD address' },
        });
        expect(saved.ok(), await saved.text()).toBe(true);
      }
    } finally {
      await ctx.dispose();
    }
  }

  await page.getByTestId('nav-effort-report').click();
  // The page writes its default view into the address at once.
  await expect(page).toHaveURL(/\/effort\/report\?from=/);
  const from = `${previousMonth()}-01`;
  const to = tokyoToday();
  await page.locator('#er-from').fill(from);
  await page.locator('#er-to').fill(to);
  await page.getByLabel('Project', { exact: true }).selectOption({ label: `${code} ${projectName}` });
  await page.locator('#er-group1').selectOption('person');
  await page.locator('#er-group2').selectOption('');
  const total = page.getByTestId('er-total');
  await expect(total).toHaveText('1:45');
  await expect(page.getByTestId('er-row')).toHaveCount(2);
  const unrounded = await table(page);
  await page.locator('#er-rounding').selectOption('up');
  await page.locator('#er-round-to').fill('30');
  await page.locator('#er-round-to').press('Tab');
  await expect(total).toHaveText('2:30');
  const rounded = await table(page);
  const url = new URL(page.url());
  expect(Object.fromEntries(url.searchParams)).toMatchObject({
    from,
    to,
    group_by: 'person',
    project_id: String(project.id),
    rounding: 'up',
    round_to: '30',
    round_per: 'entry',
  });

  // Reloaded: the same form and the same table.
  await page.reload();
  await expect(page.locator('#er-from')).toHaveValue(from);
  await expect(page.locator('#er-group1')).toHaveValue('person');
  await expect(page.locator('#er-project')).toHaveValue(String(project.id));
  await expect(page.locator('#er-rounding')).toHaveValue('up');
  await expect(page.locator('#er-round-to')).toHaveValue('30');
  await expect(total).toHaveText('2:30');
  expect(await table(page)).toEqual(rounded);

  // The address opened in another page (a bookmark, a shared link): the same table.
  const other = await context.newPage();
  await other.goto(url.toString());
  await expect(other.getByTestId('er-total')).toHaveText('2:30');
  expect(await table(other)).toEqual(rounded);
  await expect(other.locator('#er-project')).toHaveValue(String(project.id));
  await other.close();

  // Back: the view before the rounding step was set, then before the rounding; forward again.
  await page.goBack();
  await expect(page.locator('#er-round-to')).toHaveValue('15');
  await page.goBack();
  await expect(page.locator('#er-rounding')).toHaveValue('');
  await expect(total).toHaveText('1:45');
  expect(await table(page)).toEqual(unrounded);
  await page.goForward();
  await page.goForward();
  await expect(page.locator('#er-round-to')).toHaveValue('30');
  await expect(total).toHaveText('2:30');

  // One person (found by name): after a reload the list still names them.
  await page.getByLabel('Find a person').fill(people[1].name);
  const person = page.locator('#er-person');
  await expect(person.locator('option', { hasText: people[1].login })).toHaveCount(1);
  await person.selectOption({ label: `${people[1].name} (${people[1].login})` });
  await expect(total).toHaveText('1:00');
  expect(new URL(page.url()).searchParams.get('user_id')).toBe(String(ids[1]));
  await page.reload();
  await expect(person).toHaveValue(String(ids[1]));
  await expect(person.locator('option:checked')).toHaveText(`${people[1].name} (${people[1].login})`);
  await expect(total).toHaveText('1:00');
});
