package storage

// The SLA report's statements, for their plans (sla_test.go).
const (
	SLAComplianceSQLForTest  = slaComplianceSQL
	SLAAtRiskCountSQLForTest = slaAtRiskCountSQL
)
