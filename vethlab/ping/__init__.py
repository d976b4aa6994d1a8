"""Ping through the dext: a virtual Ethernet dext whose wire is its controlling app.

========  ================================================================================
``dext``  :class:`VirtualEthernetDext`: TX frames to the app, the app's replies on RX
``app``   :class:`Responder`: answers ARP requests and echo requests for its address
``link``  :class:`VirtualLink`: host stack, dext and app wired together, step by step
``run``   :func:`run_ping`: a whole run, every frame counted, optionally a pcap
========  ================================================================================
"""

from vethlab.ping.run import PingReport, run_ping, run_tap_ping

__all__ = ["PingReport", "run_ping", "run_tap_ping"]
