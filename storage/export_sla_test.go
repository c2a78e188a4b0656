package storage

import "time"

// SLAReportSQLForTest are the SLA report's statements, for their plans
// (sla_test.go): compliance takes since, at risk the limit.
func (s *Store) SLAReportSQLForTest() (compliance, atRiskCount, atRisk string) {
	return s.slaComplianceSQL(), slaAtRiskCountSQL, slaAtRiskSQL
}

// SLATicketsDueSQLForTest is the statement SLATicketsDue runs at now.
func (s *Store) SLATicketsDueSQLForTest(now time.Time, limit int) string {
	var rows []ticketView
	return s.slaTicketsDue(&rows, now, limit).String()
}
