// Subscribing an email address to the outcome events through a stack parameter:
// `npm run deploy -- --param eventsEmail=you@example.com`. Packaged once with the parameter, by the global
// setup (its eventsEmail variant, test/support/global-setup.ts); what a deploy without it gives is read off
// the same template, by evaluating the condition with the empty default.
import { describe, expect, it } from 'vitest';
import { holds, type Json } from '../support/cloudformation';
import { VARIANTS } from '../support/global-setup';
import { readPackaged } from '../support/template';

interface Template {
  Parameters: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Conditions: Record<string, Json>;
  Resources: Record<string, { Type: string; Condition?: string; Properties: Record<string, Json> }>;
}

const ADDRESS = VARIANTS.eventsEmail.params.eventsEmail;
const { template } = readPackaged<Template>('eventsEmail');

describe('events email subscription', () => {
  it('subscribes the address given as eventsEmail to the events topic, by email', () => {
    // Act
    const subscription = template.Resources.EventsEmailSubscription;

    // Assess
    expect(subscription).toBeDefined();
    expect(subscription!.Type).toBe('AWS::SNS::Subscription');
    expect(subscription!.Properties).toEqual({
      TopicArn: { Ref: 'EventsTopic' },
      Protocol: 'email',
      Endpoint: { Ref: 'EventsEmail' },
    });
    expect(template.Parameters.EventsEmail).toMatchObject({ Type: 'String', Default: ADDRESS });
    expect(holds(template.Conditions[subscription!.Condition!]!, { EventsEmail: ADDRESS })).toBe(true);
  });

  it('creates no subscription when no address is given', () => {
    // Act
    const { Condition } = template.Resources.EventsEmailSubscription!;

    // Assess
    expect(Condition, 'the subscription must be conditional').toBeDefined();
    expect(holds(template.Conditions[Condition!]!, { EventsEmail: '' })).toBe(false);
  });

  it('refuses anything but one email address before the deploy changes anything', () => {
    // Act
    const pattern = new RegExp(template.Parameters.EventsEmail!.AllowedPattern!);

    // Assess
    for (const good of ['', ADDRESS, 'ops+recwatch@mail.example.co.uk']) expect(pattern.test(good), good).toBe(true);
    for (const bad of ['not-an-address', 'a@b', 'a@b.com, c@d.com', 'a b@c.com'])
      expect(pattern.test(bad), bad).toBe(false);
  });
});
