import { checkMetrics } from './promlint';

// The checker the /metrics test relies on must catch what promtool catches.
describe('the promtool-style metrics check', () => {
  test('passes a well-named scrape', () => {
    const text = [
      '# HELP app_requests_total Requests served',
      '# TYPE app_requests_total counter',
      'app_requests_total{route="/"} 3',
      '# HELP app_latency_seconds Latency',
      '# TYPE app_latency_seconds histogram',
      'app_latency_seconds_bucket{le="0.1"} 1',
      'app_latency_seconds_bucket{le="+Inf"} 2',
      'app_latency_seconds_sum 0.3',
      'app_latency_seconds_count 2',
      '# HELP app_queue_jobs Jobs waiting',
      '# TYPE app_queue_jobs gauge',
      'app_queue_jobs 0',
      '',
    ].join('\n');
    expect(checkMetrics(text)).toEqual([]);
  });

  test.each([
    [
      'a gauge ending in _total',
      '# HELP a_handles_total x\n# TYPE a_handles_total gauge\na_handles_total 1\n',
      'non-counter metrics should not have "_total" suffix',
    ],
    [
      'a counter without _total',
      '# HELP a_sent x\n# TYPE a_sent counter\na_sent 1\n',
      'counter metrics should have "_total" suffix',
    ],
    ['no help', '# TYPE a_jobs gauge\na_jobs 1\n', 'no help text'],
    [
      'camelCase',
      '# HELP a_queueJobs x\n# TYPE a_queueJobs gauge\na_queueJobs 1\n',
      "metric names should be written in 'snake_case' not 'camelCase'",
    ],
    [
      'a non-base unit',
      '# HELP a_latency_milliseconds x\n# TYPE a_latency_milliseconds gauge\na_latency_milliseconds 1\n',
      'use base unit "seconds" instead of "milliseconds"',
    ],
    [
      'an abbreviated unit',
      '# HELP a_latency_ms x\n# TYPE a_latency_ms gauge\na_latency_ms 1\n',
      'metric names should not contain abbreviated units',
    ],
    ['two TYPE lines', '# HELP a_jobs x\n# TYPE a_jobs gauge\n# TYPE a_jobs gauge\na_jobs 1\n', 'second TYPE line'],
  ])('reports %s', (_what, text, problem) => {
    expect(checkMetrics(text).map((p) => p.text)).toContain(problem);
  });
});
