/** The figures per severity and in total, each severity a link to its incidents. */
import { incidentListHref } from '../router';
import { formatSeconds, percentOf } from './formatSeconds';
import type { AnalyticsReport, Figures } from './types';

export function SeverityFigures({ report }: { report: AnalyticsReport }) {
  return (
    <div class="table-scroll">
      <table class="insights-table" aria-label="Figures per severity">
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">Opened</th>
            <th scope="col">Acknowledged</th>
            <th scope="col">Resolved</th>
            <th scope="col">Escalated</th>
            <th scope="col">Reopened</th>
            <th scope="col">Acknowledge p50 / p90</th>
            <th scope="col">Resolve p50 / p90</th>
          </tr>
        </thead>
        <tbody>
          {report.groups.map((group) => (
            <tr key={group.key}>
              <th scope="row">
                {group.opened === 0
                  ? group.key
                  : <a href={incidentListHref({ severity: group.key ?? '', includeClosed: 'true' })}>{group.key}</a>}
              </th>
              <Cells figures={group} />
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">All</th>
            <Cells figures={report.total} />
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Cells({ figures }: { figures: Figures }) {
  const { opened, timeToAcknowledge: ack, timeToResolve: resolve } = figures;
  return (
    <>
      <td>{opened}</td>
      <td>{figures.acknowledged} <span class="hint">{percentOf(figures.acknowledged, opened)}</span></td>
      <td>{figures.resolved} <span class="hint">{percentOf(figures.resolved, opened)}</span></td>
      <td>{figures.escalated} <span class="hint">{percentOf(figures.escalated, opened)}</span></td>
      <td>{figures.reopened} <span class="hint">{percentOf(figures.reopened, opened)}</span></td>
      <td>{formatSeconds(ack.p50)} / {formatSeconds(ack.p90)}</td>
      <td>{formatSeconds(resolve.p50)} / {formatSeconds(resolve.p90)}</td>
    </>
  );
}
