"""Eval hosts: machines with a container engine (Docker or podman) that run learners' environments.

The platform reaches each host's Docker Engine API over TLS with a client
certificate (:mod:`.engine`), records the hosts and what they can hold
(:mod:`.models`, :mod:`.registry`), places new environments on one with room
(:func:`.registry.place`) and marks a host down when it stops answering
(:mod:`.heartbeat`). ``practica hosts …`` is the operator's side (:mod:`.cli`).
"""
