"""Writes to the training app, one module per area: enrolment (the state machine), placement, attendance,
certificates, support. Import from the module: `from kasb.training.services.enrolment import move_enrolment`."""
