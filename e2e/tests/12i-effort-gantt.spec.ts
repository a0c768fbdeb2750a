import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { login, logout } from './fixtures';
import { loginAsAdmin } from './attendance-data';
import { api, write, builtinRole, createUser, post } from './api-calls';

/**
 * The Gantt chart (issue 19): a project with a parent work item over two planned sub-items and a
 * milestone, all in the past, and a worker's effort on one of them. Its manager opens the chart
 * from the projects page, sees the bars (the parent spanning its sub-items), the effort along
 * them, the milestone, the late items and the today line; then, by keyboard, selects a sub-item,
 * opens its form with Enter and moves its planned end: the bar and the parent's move, and the
 * API answers the new date. A planned end before the start is refused with the field named.
 */
const stamp = Date.now().toString(36);
const boss = { login: `gntboss${stamp}`, name: `GNT Boss ${stamp}`, password: 'Maple-Gantt-2026' };
const worker = { login: `gntwork${stamp}`, name: `GNT Worker ${stamp}`, password: 'Cedar-Gantt-2026' };
const code = `GNT-${stamp}`;

test('a manager reads a project Gantt chart and moves a planned end by keyboard', async ({ page, playwright, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const bossId = await createUser(page.request, boss, await builtinRole(page.request, 'manager'));
  const workerId = await createUser(page.request, worker, await builtinRole(page.request, 'member'));
  const project = await post(page.request, '/effort/projects', {
    code,
    name: 'Gantt check',
    manager_id: bossId,
    status: 'active',
    planned_start: '2025-03-03',
    planned_end: '2025-04-30',
  });
  const members = await page.request.put(api(`/effort/projects/${project.id}/members`), {
    headers: write,
    data: { members: [{ user_id: bossId, role: 'manager' }, { user_id: workerId }] },
  });
  expect(members.ok(), await members.text()).toBe(true);
  const phase = await post(page.request, `/effort/projects/${project.id}/work-items`, { name: 'Phase' });
  const design = await post(page.request, `/effort/projects/${project.id}/work-items`, {
    parent_id: phase.id,
    name: 'Design',
    planned_minutes: 600,
    planned_start: '2025-03-03',
    planned_end: '2025-03-14',
    progress_percent: 100,
    assignee_ids: [workerId],
  });
  await post(page.request, `/effort/projects/${project.id}/work-items`, {
    parent_id: phase.id,
    name: 'Build',
    planned_minutes: 1200,
    planned_start: '2025-03-17',
    planned_end: '2025-03-28',
    progress_percent: 40,
    assignee_ids: [workerId],
  });
  await post(page.request, `/effort/projects/${project.id}/work-items`, { name: 'Release', planned_end: '2025-04-04', milestone: true });
  const member = await playwright.request.newContext({ baseURL });
  try {
    expect((await member.post(api('/auth/login'), { headers: write, data: { login: worker.login, password: worker.password } })).ok()).toBe(true);
    for (const [date, minutes] of [
      ['2025-03-03', 300],
      ['2025-03-11', 240],
    ] as const) {
      const saved = await member.put(api('/effort/entries'), {
        headers: write,
        data: { id: randomUUID(), date, project_id: project.id, work_item_id: design.id, minutes },
      });
      expect(saved.ok(), await saved.text()).toBe(true);
    }
  } finally {
    await member.dispose();
  }

  // The manager, from the projects page to the project's Gantt chart.
  await logout(page);
  await login(page, boss.login, boss.password);
  await page.getByTestId('nav-projects').click();
  await page.getByTestId(`project-open-${code}`).click();
  await page.getByTestId('project-gantt').click();
  await expect(page).toHaveURL(new RegExp(`/effort/gantt\\?project=${project.id}$`));
  const row = (path: string) => page.locator(`[data-testid="gantt-row"][data-path="${path}"]`);
  await expect(page.getByTestId('gantt-row')).toHaveCount(4);
  // The parent spans its sub-items; Design's effort in two weeks; Release a diamond.
  await expect(row('Phase').getByTestId('gantt-bar')).toHaveAttribute('data-start', '2025-03-03');
  await expect(row('Phase').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2025-03-28');
  await expect(row('Phase / Build').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2025-03-28');
  await expect(row('Phase / Design').getByTestId('gantt-actual')).toHaveCount(2);
  await expect(row('Release').getByTestId('gantt-milestone')).toHaveAttribute('data-end', '2025-04-04');
  // Build (40 %), Phase (with it) and the milestone are past their end: late, said in words.
  await expect(row('Phase / Build')).toContainText('Late');
  await expect(row('Phase / Design')).not.toContainText('Late');
  await expect(page.getByTestId('gantt-late-count')).toContainText('3');
  // The today line: the company's today, inside the chart.
  const schedule = await (await page.request.get(api(`/effort/projects/${project.id}/schedule`))).json();
  await expect(page.getByTestId('gantt-today')).toHaveAttribute('data-date', schedule.today);

  // By keyboard (the tree's order: Phase, Build, Design, Release): ↓ ↓ ↑ to Build, Enter opens
  // its form.
  await row('Phase').focus();
  await page.keyboard.press('ArrowDown');
  await expect(row('Phase / Build')).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(row('Phase / Design')).toBeFocused();
  await page.keyboard.press('ArrowUp');
  await expect(row('Phase / Build')).toBeFocused();
  await expect(row('Phase / Build')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('gantt-form')).toContainText('Phase / Build');
  await expect(page.locator('#gantt-start')).toBeFocused();
  // A planned end before the start is refused, the field named.
  await page.locator('#gantt-end').fill('2025-03-10');
  await page.locator('#gantt-end').press('Enter');
  await expect(page.locator('#gantt-end')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByTestId('gantt-form')).toContainText('before the planned start');
  // Two weeks later, done: the bar and the parent's move, Build is no longer late.
  await page.locator('#gantt-end').fill('2025-04-11');
  await page.locator('#gantt-progress').fill('100');
  await page.locator('#gantt-progress').press('Enter');
  await expect(page.getByTestId('gantt-form')).toHaveCount(0);
  await expect(row('Phase / Build')).toBeFocused();
  await expect(row('Phase / Build').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2025-04-11');
  await expect(row('Phase').getByTestId('gantt-bar')).toHaveAttribute('data-end', '2025-04-11');
  await expect(row('Phase / Build')).not.toContainText('Late');
  const after = await (await page.request.get(api(`/effort/projects/${project.id}/schedule`))).json();
  const build = after.rows.find((r: { path: string }) => r.path === 'Phase / Build');
  expect(build.planned_end).toBe('2025-04-11');
  expect(build.late).toBe(false);
  await page.screenshot({ path: testInfo.outputPath('gantt.png'), fullPage: true });

  // Escape closes the form and gives the focus back to the row.
  await row('Release').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('gantt-form')).toContainText('Release');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('gantt-form')).toHaveCount(0);
  await expect(row('Release')).toBeFocused();
});
