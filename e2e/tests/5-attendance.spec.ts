import { readFileSync } from 'node:fs';
import { expect, test, type Download } from '@playwright/test';
import { login, logout } from './fixtures';
import { kato, katoOvertime, mori, prepareAttendance, previousMonth, tokyoToday, unzip, workDays } from './attendance-data';

async function body(d: Download): Promise<Buffer> {
  return readFileSync((await d.path())!);
}

test('attendance console: months, timesheet from the monthly table, sort, CSV and Excel', async ({ page }, testInfo) => {
  await prepareAttendance(page);
  const month = previousMonth();

  await page.getByTestId('nav-attendance').click();
  await expect(page).toHaveURL(/\/attendance$/);
  const table = page.getByTestId('att-table');
  // This month first; the previous-month button goes back to the imported month.
  await expect(table).toHaveAttribute('data-period', tokyoToday().slice(0, 7));
  await page.getByTestId('att-month-prev').click();
  await expect(page.getByLabel('Month', { exact: true })).toHaveValue(month);
  await expect(table).toHaveAttribute('data-period', month);
  const katoRow = table.locator('tbody tr', { hasText: kato.name });
  await expect(katoRow).toContainText(kato.name);
  await expect(katoRow).toContainText(katoOvertime);
  await expect(table.locator('tbody tr', { hasText: mori.name })).toHaveCount(1);
  // Next and back again.
  await page.getByTestId('att-month-next').click();
  await expect(table).toHaveAttribute('data-period', tokyoToday().slice(0, 7));
  await page.getByTestId('att-month-prev').click();
  await expect(table).toHaveAttribute('data-period', month);

  // Sorting by a column heading: Kato (the only overtime) last, then first; Shift adds a second key.
  const overtimeHead = table.locator('th[data-column=overtime] button');
  await overtimeHead.click();
  await expect(table.locator('th[data-column=overtime]')).toHaveAttribute('aria-sort', 'ascending');
  await expect(table.locator('tbody tr').last()).toContainText(kato.name);
  await overtimeHead.click();
  await expect(table.locator('th[data-column=overtime]')).toHaveAttribute('aria-sort', 'descending');
  await expect(table.locator('tbody tr').first()).toContainText(kato.name);
  await table.locator('th[data-column=user] button').click({ modifiers: ['Shift'] });
  await expect(table.locator('th[data-column=user] .sort-mark')).toContainText('2');

  // The 36-agreement panel: a chart bar, a calendar and a level badge per person.
  await expect(page.getByTestId('agr-chart')).toContainText(kato.name);
  const katoCard = page.locator('.agr-person', { hasText: kato.name });
  await expect(katoCard).toContainText(katoOvertime);
  await expect(katoCard.getByTestId('heat-map').locator('g.day')).not.toHaveCount(0);
  await expect(katoCard.locator('.badge').first()).toHaveText(/OK|Warning|Exceeded/);
  await page.screenshot({ path: testInfo.outputPath('monthly.png'), fullPage: true });

  // CSV of what is shown: the header in the user's language and Kato's overtime.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('att-download-csv').click()]);
  expect(csv.suggestedFilename()).toBe(`monthly_${month}.csv`);
  const text = (await body(csv)).toString('utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const lines = text.replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  expect(lines[0]).toContain('User');
  expect(lines[0]).toContain('Overtime');
  const header = lines[0].split(',');
  const katoLine = lines.find((l) => l.includes(kato.name))!.split(',');
  expect(katoLine[header.indexOf('Overtime')]).toBe(katoOvertime);
  expect(lines.filter((l) => l.includes(mori.name))).toHaveLength(1);

  // Excel: a real workbook whose sheet holds Kato's overtime as a duration (days).
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByTestId('att-download-xlsx').click()]);
  expect(xlsx.suggestedFilename()).toBe(`monthly_${month}.xlsx`);
  const files = unzip(await body(xlsx));
  const sheet = files.get('xl/worksheets/sheet1.xml')!.toString('utf8');
  const strings = (files.get('xl/sharedStrings.xml') ?? Buffer.from('')).toString('utf8');
  expect(sheet + strings).toContain(kato.name);
  const values = [...sheet.matchAll(/<v>([0-9.]+)<\/v>/g)].map((m) => Math.round(parseFloat(m[1]) * 1440));
  expect(values).toContain(workDays * 100);

  // A click on a person opens their timesheet (keyboard: the name is a button).
  await katoRow.getByTestId('att-open-user').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('att-tab-timesheet')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByLabel('User', { exact: true })).not.toHaveValue('');
  await expect(table).toHaveAttribute('data-kind', 'timesheet');
  // Every day of the month, the worked ones with their clock-in.
  await expect(table.locator('tbody tr', { hasText: '8:50' })).toHaveCount(workDays);
  await expect(table).not.toContainText('9:00');
  // The other working days read as absent, in words; a weekend day without activity does not.
  await expect(table.locator('th[data-column=status]')).toBeVisible();
  expect(await table.locator('tbody tr', { hasText: 'Absent' }).count()).toBeGreaterThan(5);
  await expect(table.locator('tbody tr', { hasText: '8:50' }).filter({ hasText: 'Absent' })).toHaveCount(0);
  await expect(table.locator('tbody tr', { hasText: 'Sat' }).filter({ hasText: 'Absent' })).toHaveCount(0);

  // The daily tab steps by day.
  await page.getByTestId('att-tab-daily').click();
  const day = page.getByLabel('Day', { exact: true });
  const before = await day.inputValue();
  await page.getByTestId('att-day-next').click();
  await expect(day).not.toHaveValue(before);
  await expect(table).toHaveAttribute('data-kind', 'daily');
});

test('a member sees only their own attendance', async ({ page }) => {
  await prepareAttendance(page);
  await logout(page);
  await login(page, mori.login, mori.password);
  await page.getByTestId('nav-attendance').click();
  await page.getByTestId('att-month-prev').click();
  const table = page.getByTestId('att-table');
  await expect(table).toHaveAttribute('data-period', previousMonth());
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await expect(table).toContainText(mori.name);
  await expect(table).not.toContainText(kato.name);
  // No organisation or user filter for a member; the agreement panel shows only them.
  await expect(page.locator('#att-user')).toHaveCount(0);
  await expect(page.getByTestId('agr-list').locator('.agr-person')).toHaveCount(1);
  // Their own timesheet without naming anyone.
  await page.getByTestId('att-tab-timesheet').click();
  await expect(table).toHaveAttribute('data-kind', 'timesheet');
  await expect(table.locator('tbody tr', { hasText: '9:00' })).toHaveCount(workDays);
  await expect(table).not.toContainText('8:50');
  // Someone else's is refused by the server.
  const r = await page.request.get(`./api/v1/attendance/reports/timesheet?month=${previousMonth()}&user=${kato.login}`);
  expect(r.status()).toBe(403);
  // No attendance administration in the menu.
  await expect(page.getByTestId('nav-attendance-admin')).toHaveCount(0);
});
