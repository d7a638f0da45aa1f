// docs/cost.md held to what the stack deploys and the code publishes: the alarms it bills are the template's,
// the dashboard is off by default as it says, and the metric budget is the code's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CUSTOM_METRIC_BUDGET } from '../../lib/metrics';
import { loadTemplate } from '../support/template';

const cost = readFileSync(new URL('../../docs/cost.md', import.meta.url), 'utf8');
const { template, resourcesOfType } = loadTemplate();

describe('docs/cost.md', () => {
  it("bills the template's alarms, at $0.10 each", () => {
    // Act
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm');
    const said = /\| alarms \| (\d+) standard alarms, one metric each/.exec(cost);

    // Assess
    expect(Number(said?.[1])).toBe(alarms.length);
    for (const [, alarm] of alarms) expect(alarm.Properties.Metrics, 'one metric, not metric math').toBeUndefined();
    expect(cost).toContain(`| $${(alarms.length * 0.1).toFixed(2)} |`);
  });

  it('counts no dashboard in a default deploy, as the template has it', () => {
    // Act + Assess
    expect((template.Parameters.Dashboard as { Default: string }).Default).toBe('off');
    expect(cost).toMatch(/\| dashboard \| off by default/);
  });

  it('names the metric budget the code holds to', () => {
    // Act + Assess
    expect(cost).toContain(`up to the ${CUSTOM_METRIC_BUDGET}`);
  });
});
