import { expect, test } from '@playwright/test';
import { loginAsAdmin, tokyoToday } from './attendance-data';

test('holidays, display settings, 36-agreement limits and an organisation override', async ({ page }) => {
  await loginAsAdmin(page);
  await page.getByTestId('nav-attendance-admin').click();

  // Holidays: the year's national holidays; a company day added, saved, kept, then removed.
  await page.getByTestId('subnav-holidays').click();
  const year = tokyoToday().slice(0, 4);
  await expect(page.getByLabel('Year', { exact: true })).toHaveValue(year);
  const table = page.getByTestId('holiday-table');
  await expect(table.locator('tr[data-kind=national]').first()).toBeVisible();
  await page.getByTestId('holiday-add').click();
  await expect(page.getByTestId('new_date-error')).toBeVisible();
  await page.getByLabel('Date', { exact: true }).fill(`${year}-12-29`);
  await page.getByTestId('holiday-add').click();
  const day = table.locator(`tr[data-date="${year}-12-29"]`);
  await expect(day).toContainText('Company holiday');
  await page.getByTestId('holidays-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  await page.reload();
  await expect(day).toContainText('Company holiday');
  await day.getByRole('button', { name: 'Remove' }).click();
  await page.getByTestId('holidays-save').click();
  await expect(day).toHaveCount(0);

  // Display settings: the monthly table without its group column, shown so on the console.
  await page.getByTestId('subnav-display').click();
  await page.getByLabel('Table', { exact: true }).selectOption('monthly');
  const group = page.getByTestId('display-columns').getByLabel('Group', { exact: true });
  await expect(group).toBeChecked();
  await group.uncheck();
  await page.getByTestId('display-save').click();
  await expect(page.getByRole('status').first()).toHaveText('Saved');
  await page.getByTestId('nav-attendance').click();
  await expect(page.getByTestId('att-table').locator('th[data-column=user]')).toBeVisible();
  await expect(page.getByTestId('att-table').locator('th[data-column=group]')).toHaveCount(0);
  await page.getByTestId('nav-attendance-admin').click();
  await page.getByTestId('subnav-display').click();
  await page.getByTestId('display-columns').getByLabel('Group', { exact: true }).check();
  await page.getByTestId('display-save').click();
  await expect(page.getByRole('status').first()).toHaveText('Saved');

  // 36-agreement limits: 0 hours is refused at its field.
  const monthly = page.getByLabel('Monthly overtime limit (hours)');
  await expect(monthly).toHaveValue('45');
  await monthly.fill('0');
  await page.getByTestId('limits-save').click();
  await expect(page.getByTestId('monthly_overtime_hours-error')).toBeVisible();
  await page.getByLabel('Monthly overtime limit (hours)').fill('45');
  await page.getByTestId('limits-save').click();
  await expect(page.getByTestId('monthly_overtime_hours-error')).toHaveCount(0);

  // An organisation's override: only the ticked section is sent; then deleted.
  await page.getByTestId('subnav-rules').click();
  await page.getByTestId('rules-tab-overrides').click();
  const orgSelect = page.getByLabel('Organisation', { exact: true });
  await orgSelect.selectOption({ index: 1 });
  const form = page.getByTestId('override-form');
  await expect(form.locator('#over-rounding')).toBeDisabled();
  await form.getByTestId('override-rounding_minutes').check();
  await expect(form.locator('#over-rounding')).toBeEnabled();
  await form.locator('#over-rounding').fill('15');
  await page.getByTestId('override-save').click();
  await expect(page.getByRole('status')).toHaveText('Saved');
  await expect(orgSelect.locator('option:checked')).toContainText('★');
  await page.getByTestId('override-delete').click();
  await page.getByTestId('override-delete-confirm').click();
  await expect(orgSelect.locator('option:checked')).not.toContainText('★');
});
