import type { FeatureJobs, JobDeps } from '../../platform/mail/queue';
import { sendReportAnswer } from './report-answer.task';
import { TASK_REPORT_ANSWER, type ReportAnswerJob } from './reports.service';

/** The answer to a reporter who gave an address. */
export function reportsJobs({ ctx, mailer }: JobDeps): FeatureJobs {
  return {
    tasks: {
      [TASK_REPORT_ANSWER]: async (payload) => {
        await sendReportAnswer(ctx, mailer, payload as ReportAnswerJob);
      },
    },
  };
}
