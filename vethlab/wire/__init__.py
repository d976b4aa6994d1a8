"""The wire: real frames, pcap files, a TAP device, and the host's network stack.

=========  ================================================================================
``frames``  real Ethernet frames (ARP, ICMP, UDP, IPv6 ND), built and checked with dpkt
``pcap``    pcap files of the frames, with dpkt
``host``    the simulated host network stack that writes frames into the pool
``tap``     a real Linux kernel on the host side, through a TAP device in its own namespace
=========  ================================================================================
"""
