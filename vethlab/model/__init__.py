"""vethlab's own model of the Mac and its kernel: not Apple API.

=============  =============================================================================
``cint``       the one check for a C integer crossing in (Python or numpy, within a range)
``machine``    machine profiles (page size, cache line) and boots (the segment size drawn)
``layout``     ALL pool arithmetic: XNU's size rule, segments, buffer offsets (ASCII map)
``memory``     :class:`Mac`, tasks, address spaces, simulated faults
``scheduler``  serial queues of blocks and the one scheduler per Mac that runs them
``costs``      the counted costs of handing frames to an app: crossings, copies, notifications
``moves``      the state machines: one move-table type, one way to fire a move, and the tables
               of the user client, the queues, the interface and the packets
=============  =============================================================================

Apple's objects (DriverKit, NetworkingDriverKit, IOKit) are built on this layer; nothing here
imports them.
"""
