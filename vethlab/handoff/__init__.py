"""How a dext hands frames to its app: shared by both scenarios (the question, ping).

===============  ==========================================================================
``structs``      the C structures that cross the user-client boundary, as numpy dtypes
``stack_slot``   the dext's ``GetPacket_Output`` on its stack, and who wrote each byte
``get_packet``   the two GetPacket selectors: the question's (overflow, leak) and a safe one
``user_client``  the user client: one table of selectors, notifications to the app
``dext``         :class:`FrameHandoff`: the dext's half, mixed into a dext
``app``          the controlling app in three designs: per packet, batch, shared mapping
===============  ==========================================================================
"""
