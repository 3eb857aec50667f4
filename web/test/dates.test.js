import { test } from 'node:test';
import assert from 'node:assert/strict';

import { addDays, addMonths, daysBetween, formatDay, isDay, parseDay, whyNotADay } from '../dates.js';

test('a day parses to its UTC midnight', () => {
  assert.equal(parseDay('2021-07-06'), Date.UTC(2021, 6, 6));
  assert.equal(parseDay('2020-02-29'), Date.UTC(2020, 1, 29));
  assert.ok(isDay('2013-04-28'));
});

test('impossible and malformed days are refused, not rolled over', () => {
  for (const text of ['2021-02-30', '2021-02-29', '2021-13-01', '2021-00-10', '2021-04-31', '2021-7-6', '2021-07-06T00:00', '', null, undefined, 20210706]) {
    assert.ok(Number.isNaN(parseDay(text)), String(text));
    assert.ok(!isDay(text), String(text));
  }
});

test('why a text is not a day, for people', () => {
  assert.equal(whyNotADay('2021-02-30'), '2021-02-30 is not a date: February 2021 has 28 days.');
  assert.equal(whyNotADay('2020-02-30'), '2020-02-30 is not a date: February 2020 has 29 days.');
  assert.equal(whyNotADay('2021-13-01'), '2021-13-01 is not a date: there is no month 13.');
  assert.equal(whyNotADay('yesterday'), '“yesterday” is not a date: write it as year-month-day, e.g. 2021-07-06.');
});

test('day arithmetic stays on the calendar', () => {
  assert.equal(addDays('2021-03-01', -1), '2021-02-28');
  assert.equal(addDays('2020-12-31', 1), '2021-01-01');
  assert.equal(addMonths('2021-03-31', -1), '2021-02-28', 'the month is shorter: its last day');
  assert.equal(addMonths('2021-07-06', -12), '2020-07-06');
  assert.equal(addMonths('2020-01-31', 1), '2020-02-29');
  assert.equal(daysBetween('2021-06-01', '2021-06-30'), 29);
  assert.equal(daysBetween('2021-06-01', '2021-06-01'), 0);
});

test('days for people', () => {
  assert.equal(formatDay('2021-07-06'), '6 Jul 2021');
  assert.equal(formatDay('2021-02-30'), '2021-02-30', 'not "2 Mar 2021"');
});
