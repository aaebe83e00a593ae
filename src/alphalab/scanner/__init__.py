"""The anomaly scanner: thousands of symbols scanned batch by batch, events routed through regime, handler and risk gate.

Modules: ``config`` (windows, feature layout, handlers), ``state``/``state_nb`` (symbol x feature
arrays), ``detectors``/``detectors_nb`` (the plug-in registry), ``scanner`` (events, replay),
``feed`` (the live assembler), ``stream`` (paced replay), ``router`` (the routing port and the
risk-gate router), ``publish`` (alerts), ``universe`` (ranking and sharding), ``study`` (event
study), ``commands`` (the work behind ``alphalab scan``).
"""
