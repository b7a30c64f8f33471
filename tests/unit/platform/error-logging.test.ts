import { describeError, scrubErrorMessage } from '../../../src/platform/logger';

describe('what a log line keeps of an error', () => {
  test('values PostgreSQL quotes in its messages are cut; identifiers and addresses are not left', () => {
    expect(scrubErrorMessage('invalid input syntax for type uuid: "anna@example.org"')).toBe(
      'invalid input syntax for type uuid: "[value]"',
    );
    expect(scrubErrorMessage('invalid input value for enum visibility: "Olena"')).toBe(
      'invalid input value for enum visibility: "[value]"',
    );
    expect(scrubErrorMessage('value "99999999999" is out of range for type integer')).toBe(
      'value "[value]" is out of range for type integer',
    );
    expect(scrubErrorMessage('duplicate key value violates unique constraint "letters_slug_unique"')).toBe(
      'duplicate key value violates unique constraint "letters_slug_unique"',
    );
    expect(scrubErrorMessage('invalid byte sequence for encoding "UTF8": 0x00')).toBe(
      'invalid byte sequence for encoding "UTF8": 0x00',
    );
    expect(scrubErrorMessage('column "Олена Ковальчук" does not exist')).toBe('column "[value]" does not exist');
    expect(
      scrubErrorMessage("Can't send mail - all recipients were rejected: 550 5.1.1 <anna.k@example.org>: rejected"),
    ).toBe("Can't send mail - all recipients were rejected: 550 5.1.1 <[email]>: rejected");
  });

  test('class, code and message only: no SQL, parameters, detail or unscrubbed first stack line', () => {
    const err = Object.assign(new Error('new row for anna@example.org violates check constraint'), {
      name: 'QueryFailedError',
      code: '23514',
      query: 'INSERT INTO signatures (full_name, email) VALUES ($1, $2)',
      parameters: ['Олена Ковальчук', 'anna@example.org'],
      detail: 'Failing row contains (Олена Ковальчук, anna@example.org).',
      driverError: { code: '23514', detail: 'Failing row contains (Олена Ковальчук, anna@example.org).' },
    });
    const logged = describeError(err);
    expect(logged).toMatchObject({
      type: 'QueryFailedError',
      code: '23514',
      message: 'new row for [email] violates check constraint',
    });
    expect(Object.keys(logged).sort()).toEqual(['code', 'message', 'stack', 'type']);
    expect(JSON.stringify(logged)).not.toMatch(/anna|Олена|INSERT|Failing/);
    expect(describeError('job failed for anna@example.org')).toEqual({
      type: 'string',
      message: 'job failed for [email]',
    });
  });
});
