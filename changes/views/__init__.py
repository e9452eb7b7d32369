"""Browser UI of Change Management and the CAB: changes (RFCs), CAB approvals and agendas, the change calendar."""
