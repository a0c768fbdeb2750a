import { randomUUID } from 'node:crypto';
import { expect, test } from '@playwright/test';
import { login, logout } from './fixtures';
import { loginAsAdmin, unzip } from './attendance-data';
import { api, write, builtinRole, createUser, post, bytesOf } from './api-calls';

/**
 * Plan against actual (issue 19): a project with two planned work items in the past, a worker's
 * effort on them and a cost rate that changes mid-project. Its manager opens the project's plan
 * against actual from the projects page, sees the earned-value figures, sets a budget by keyboard
 * (at 90 % it warns), and exports the plan to Excel: the file's total row holds the plan, the
 * actual and the cost as numbers.
 */
const stamp = Date.now().toString(36);
const boss = { login: `plnboss${stamp}`, name: `PLN Boss ${stamp}`, password: 'Maple-Planner-2026' };
const worker = { login: `plnwork${stamp}`, name: `PLN Worker ${stamp}`, password: 'Cedar-Builder-2026' };
const code = `PLN-${stamp}`;

test('a manager opens a project plan against actual, sets a budget and exports the plan to Excel', async ({ page, playwright, baseURL }, testInfo) => {
  test.setTimeout(120_000);
  await loginAsAdmin(page);
  const bossId = await createUser(page.request, boss, await builtinRole(page.request, 'manager'));
  const workerId = await createUser(page.request, worker, await builtinRole(page.request, 'member'));
  const project = await post(page.request, '/effort/projects', {
    code,
    name: 'Plan check',
    manager_id: bossId,
    status: 'active',
    planned_start: '2025-01-06',
    planned_end: '2025-02-28',
  });
  const members = await page.request.put(api(`/effort/projects/${project.id}/members`), {
    headers: write,
    data: { members: [{ user_id: bossId, role: 'manager' }, { user_id: workerId }] },
  });
  expect(members.ok(), await members.text()).toBe(true);
  // Design: 10 h planned, half done; Build: 20 h planned, not started. Both past their end.
  const design = await post(page.request, `/effort/projects/${project.id}/work-items`, {
    name: 'Design',
    planned_minutes: 600,
    planned_start: '2025-01-06',
    planned_end: '2025-01-31',
    progress_percent: 50,
    assignee_ids: [workerId],
  });
  const build = await post(page.request, `/effort/projects/${project.id}/work-items`, {
    name: 'Build',
    planned_minutes: 1200,
    planned_start: '2025-02-03',
    planned_end: '2025-02-28',
    progress_percent: 0,
    assignee_ids: [workerId],
  });
  // The worker's rate: 6,000 an hour in January, 9,000 from February.
  await post(page.request, '/effort/cost-rates', { user_id: workerId, valid_from: '2024-01-01', valid_to: '2025-01-31', hourly_cost: 6000 });
  await post(page.request, '/effort/cost-rates', { user_id: workerId, valid_from: '2025-02-01', hourly_cost: 9000 });
  const member = await playwright.request.newContext({ baseURL });
  try {
    expect((await member.post(api('/auth/login'), { headers: write, data: { login: worker.login, password: worker.password } })).ok()).toBe(true);
    for (const [date, item, minutes] of [
      ['2025-01-06', design.id, 300],
      ['2025-01-07', design.id, 240],
      ['2025-02-03', build.id, 120],
    ] as const) {
      const saved = await member.put(api('/effort/entries'), {
        headers: write,
        data: { id: randomUUID(), date, project_id: project.id, work_item_id: item, minutes },
      });
      expect(saved.ok(), await saved.text()).toBe(true);
    }
  } finally {
    await member.dispose();
  }

  // The manager, from the projects page to the project's plan against actual.
  await logout(page);
  await login(page, boss.login, boss.password);
  await page.getByTestId('nav-projects').click();
  await page.getByTestId(`project-open-${code}`).click();
  await page.getByTestId('project-plan').click();
  await expect(page).toHaveURL(new RegExp(`/effort/plan\\?project=${project.id}$`));
  // Plan 30 h, all of it planned by now; earned 5 h; actual 11 h; cost 540 min × 6,000 + 120 min × 9,000.
  await expect(page.getByTestId('plan-total-plan')).toContainText('30:00');
  await expect(page.getByTestId('plan-pv')).toContainText('30:00');
  await expect(page.getByTestId('plan-ev')).toContainText('5:00');
  await expect(page.getByTestId('plan-ac')).toContainText('11:00');
  await expect(page.getByTestId('plan-spi')).toContainText('0.17');
  await expect(page.getByTestId('plan-cpi')).toContainText('0.45');
  await expect(page.getByTestId('plan-cost')).toContainText('72,000');
  await expect(page.getByTestId('plan-item-Design')).toContainText('9:00');
  await expect(page.getByTestId('plan-burn-up')).toBeVisible();

  // A budget of 80,000 by keyboard: 90 % used, past the 80 % warning.
  await page.getByLabel('Budget', { exact: true }).fill('80000');
  await page.getByLabel('Budget', { exact: true }).press('Enter');
  await expect(page.getByTestId('plan-budget')).toContainText('90%');
  await expect(page.getByTestId('plan-budget')).toContainText('budget warning');
  await page.screenshot({ path: testInfo.outputPath('plan.png'), fullPage: true });

  // The Excel file: the work items' sheet, header frozen, its last row the total as numbers.
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('plan-download-xlsx').click()]);
  expect(xlsx.suggestedFilename()).toMatch(new RegExp(`^plan-${code}-\\d{4}-\\d{2}-\\d{2}\\.xlsx$`));
  const sheet = unzip(await bytesOf(xlsx)).get('xl/worksheets/sheet1.xml')!.toString('utf8');
  expect(sheet).toContain('ySplit="1"');
  const rows = [...sheet.matchAll(/<row [^>]*>([\s\S]*?)<\/row>/g)].map((m) => m[1]);
  const total = rows[rows.length - 1];
  const cell = (column: string) => Number(total.match(new RegExp(`<c r="${column}\\d+"[^>]*><v>([^<]+)</v>`))![1]);
  expect(cell('E') * 1440).toBeCloseTo(1800, 6); // plan, in days of [h]:mm
  expect(cell('F') * 1440).toBeCloseTo(660, 6); // actual
  expect(cell('J') * 1440).toBeCloseTo(300, 6); // earned value
  expect(cell('K')).toBe(72000); // cost
  expect(cell('L')).toBe(80000); // budget

  // The manager's home page flags the project.
  await page.goto('./');
  await expect(page.getByTestId(`dash-project-${code}`)).toContainText('budget warning');
});
