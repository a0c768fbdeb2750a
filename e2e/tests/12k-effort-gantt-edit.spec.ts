import { expect, test } from '@playwright/test';
import { login, logout } from './fixtures';
import { loginAsAdmin } from './attendance-data';
import { api, write, builtinRole, createUser, post } from './api-calls';

/**
 * The Gantt chart's form beyond the dates (issue 19), on a project of this spec's own (GNK-):
 * an item without planned dates says so in words and its mark opens the form at the planned
 * start; dates set by keyboard draw its bar. Then the form changes an item's assignees among the
 * project's members and moves an item under another: the chart is read again and the API
 * answers the new tree. A move under its own sub-item is refused with the field named.
 */
const stamp = Date.now().toString(36);
const boss = { login: `gnkboss${stamp}`, name: `GNK Boss ${stamp}`, password: 'Maple-Gantt-2026' };
const ann = { login: `gnkann${stamp}`, name: `GNK Ann ${stamp}`, password: 'Cedar-Gantt-2026' };
const ben = { login: `gnkben${stamp}`, name: `GNK Ben ${stamp}`, password: 'Birch-Gantt-2026' };
const code = `GNK-${stamp}`;

type Item = { id: number; path: string; parent_id: number | null; assignee_ids: number[]; planned_start: string | null; planned_end: string | null };

test('the Gantt form: undated items, dates by keyboard, assignees and a move in the tree', async ({ page }) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const bossId = await createUser(page.request, boss, await builtinRole(page.request, 'manager'));
  const member = await builtinRole(page.request, 'member');
  const annId = await createUser(page.request, ann, member);
  const benId = await createUser(page.request, ben, member);
  const project = await post(page.request, '/effort/projects', { code, name: 'Gantt form', manager_id: bossId, status: 'active' });
  const members = await page.request.put(api(`/effort/projects/${project.id}/members`), {
    headers: write,
    data: { members: [{ user_id: bossId, role: 'manager' }, { user_id: annId }, { user_id: benId }] },
  });
  expect(members.ok(), await members.text()).toBe(true);
  const items = `/effort/projects/${project.id}/work-items`;
  const phase = await post(page.request, items, { name: 'Phase' });
  const design = await post(page.request, items, {
    parent_id: phase.id,
    name: 'Design',
    planned_start: '2026-01-05',
    planned_end: '2026-01-16',
    assignee_ids: [annId],
  });
  await post(page.request, items, { name: 'Undated' });
  const stored = async (): Promise<Item[]> => (await page.request.get(api(items))).json();

  await logout(page);
  await login(page, boss.login, boss.password);
  await page.getByTestId('nav-projects').click();
  await page.getByTestId(`project-open-${code}`).click();
  await page.getByTestId('project-gantt').click();
  await expect(page).toHaveURL(new RegExp(`/effort/gantt\\?project=${project.id}$`));
  const row = (path: string) => page.locator(`[data-testid="gantt-row"][data-path="${path}"]`);
  await expect(page.getByTestId('gantt-row')).toHaveCount(3);
  // The parent spans its dated sub-item: no mark; the undated item says so, in words.
  await expect(row('Phase').getByTestId('gantt-bar')).toHaveAttribute('data-start', '2026-01-05');
  await expect(row('Phase').getByTestId('gantt-undated')).toHaveCount(0);
  await expect(row('Undated').getByTestId('gantt-bar')).toHaveCount(0);
  await expect(row('Undated').getByTestId('gantt-undated')).toHaveText('◇ No planned dates — set them');
  await expect(row('Undated')).toHaveAttribute('aria-label', /No planned dates — set them/);
  // The mark opens the form at the planned start.
  await row('Undated').getByTestId('gantt-undated').click();
  await expect(page.getByTestId('gantt-form')).toContainText('Undated');
  await expect(page.locator('#gantt-start')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(row('Undated')).toBeFocused();

  // By keyboard: the row, Enter, the dates, Enter saves.
  await page.keyboard.press('Home');
  await expect(row('Phase')).toBeFocused();
  await page.keyboard.press('End');
  await expect(row('Undated')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#gantt-start')).toBeFocused();
  await page.locator('#gantt-start').fill('2026-02-02');
  // (Tab moves between a date field's parts in Chromium: the end is filled as 12i does.)
  await page.locator('#gantt-end').fill('2026-02-13');
  await page.locator('#gantt-end').press('Enter');
  await expect(page.getByTestId('gantt-form')).toHaveCount(0);
  await expect(row('Undated')).toBeFocused();
  await expect(row('Undated').getByTestId('gantt-bar')).toHaveAttribute('data-start', '2026-02-02');
  await expect(row('Undated').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2026-02-13');
  await expect(row('Undated').getByTestId('gantt-undated')).toHaveCount(0);
  let now = await stored();
  const undated = now.find((w) => w.path === 'Undated')!;
  expect([undated.planned_start, undated.planned_end]).toEqual(['2026-02-02', '2026-02-13']);

  // Assignees: Design from Ann to Ben (members of the project only are offered).
  await row('Phase / Design').click();
  const form = page.getByTestId('gantt-form');
  await expect(form).toContainText('Phase / Design');
  await expect(form.getByLabel(`${ann.name} (${ann.login})`)).toBeChecked();
  await expect(form.getByLabel(`${ben.name} (${ben.login})`)).not.toBeChecked();
  await form.getByLabel(`${ann.name} (${ann.login})`).uncheck();
  await form.getByLabel(`${ben.name} (${ben.login})`).check();
  await form.getByTestId('gantt-save').click();
  await expect(form).toHaveCount(0);
  now = await stored();
  expect(now.find((w) => w.id === design.id)!.assignee_ids).toEqual([benId]);

  // A move: Undated under Phase; Phase's bar now spans it too. Phase is not offered under its
  // own sub-item.
  await row('Undated').click();
  await expect(form.locator('#gantt-parent option')).toHaveText(['(top level)', 'Phase', 'Phase / Design']);
  await row('Phase').click();
  await expect(form).toContainText('Phase');
  await expect(form.locator('#gantt-parent option')).toHaveText(['(top level)', 'Undated']);
  await row('Undated').click();
  await form.locator('#gantt-parent').selectOption({ label: 'Phase' });
  await form.getByTestId('gantt-save').click();
  await expect(form).toHaveCount(0);
  await expect(row('Phase / Undated')).toBeFocused();
  await expect(page.getByTestId('gantt-row')).toHaveCount(3);
  await expect(row('Phase').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2026-02-13');
  now = await stored();
  expect(now.find((w) => w.id === undated.id)).toMatchObject({ parent_id: phase.id, path: 'Phase / Undated' });
  // The server refuses a cycle whatever the form offers.
  const cycle = await page.request.put(api(`/effort/work-items/${phase.id}`), {
    headers: write,
    data: { name: 'Phase', parent_id: design.id },
  });
  expect(cycle.status()).toBe(422);
  expect((await cycle.json()).field).toBe('parent_id');
});
