package storage

import "time"

// The SLA report's statements, for their plans (sla_test.go).
const (
	SLAComplianceSQLForTest  = slaComplianceSQL
	SLAAtRiskCountSQLForTest = slaAtRiskCountSQL
)

// SLATicketsDueSQLForTest is the statement SLATicketsDue runs at now.
func (s *Store) SLATicketsDueSQLForTest(now time.Time, limit int) string {
	var rows []ticketView
	return s.slaTicketsDue(&rows, now, limit).String()
}
