"""vethlab: a runnable model of a NetworkingDriverKit virtual-Ethernet dext's packet buffers.

The map of the package, from the machine up to the pictures:

=================  ===========================================================================
``ioreturn``       kern_return_t codes with their real values; :class:`IOReturnError`
``machine``        machine profiles (page size, cache line) and boots (segment size)
``layout``         ALL pool arithmetic: XNU's size rule, segments, buffer offsets (ASCII map)
``memory``         :class:`Mac`, tasks, address spaces, memory descriptors, mappings, faults
``service``        ``OSObject``, ``IOService``, ``OSData``, ``OSAction``
``packet``         :class:`IOUserNetworkPacket`: offsets and lengths, both accessor families
``pool``           :class:`IOUserNetworkPacketBufferPool`: Create, CreateWithOptions, packets
``host``           the simulated host network stack that writes frames into the pool
``frames``         real Ethernet frames (ARP, ICMP, UDP, IPv6 ND) built with dpkt
``pcap``           pcap files of the frames, with dpkt
``question``       the question as a scenario: first attempt, its fix, today's API
``structs``        C structures crossing the user-client boundary, as numpy dtypes
``userclient``     ``IOUserClient``: dispatch checks, ``AsyncCompletion``, the one boundary
``iokit``          the app's IOKit.framework: ``IOServiceOpen``, ``IOConnectCall…``, mappings
``question_app``   the question's dext and app: GetPacket (overflow, leak, safe), faster designs
``queues``         the four packet queues, dispatch queues, the edge-triggered doorbell; ONE
                   table of where a packet may move (:data:`~vethlab.queues.PACKET_MOVES`)
``ethernet``       ``IOUserNetworkEthernet``: registration, media, link, MTU, TX headroom;
                   ``SampleEthernetDext``, shaped like Apple's sample
``responder``      ping through the dext: ``VirtualEthernetDext`` (+ PutPacket), the responder
                   app, ``VirtualLink`` wiring host stack, dext and app together
``tap``            a real Linux kernel on the host side, through a TAP device in its own namespace
``ping``           ``vethlab ping``: ping the app through the dext, count every frame, pcap
``pictures``       matplotlib drawings of the model's state (each takes an ``ax``)
``widgets``        ipywidgets dashboards built on the pictures
``cli``            the ``vethlab`` command
``bench``          ``vethlab bench WHAT``: benchmarks (``bench_redraw``: the pool explorer's redraw;
                   ``bench_userclient``: frames per second of the three app designs)
``lab``            ``vethlab lab``: copy the notebooks to a folder of yours, open JupyterLab
=================  ===========================================================================

Every behaviour is labelled by where it comes from: documented (Apple's docs or headers),
observed (measured by driver authors, or read in XNU's source), reported (only the question
says so) or modelled (vethlab's own choice where the truth is unknown). See the README.
"""

from . import ioreturn
from .host import HostStack
from .ioreturn import IOReturnError, IOReturnName
from .lab import sync_notebooks
from .layout import PoolLayout, configured_buffer_size
from .machine import APPLE_SILICON, INTEL, PROFILES, Boot, MachineProfile
from .memory import (
    IOBufferMemoryDescriptor,
    IOMemoryDescriptor,
    IOMemoryMap,
    Mac,
    SimulatedFault,
    Task,
    kIOMemoryMapFixedAddress,
    kIOMemoryMapReadOnly,
)
from .packet import (
    IOUserNetworkPacket,
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from .pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDevice,
    PoolFlagMapToDext,
    PoolFlagPersistentMemory,
    PoolFlagSingleMemorySegment,
)
from .question import QuestionDext, current_api, first_attempt, question_fix, run_question
from .iokit import App, IOServiceClose, IOServiceOpen
from .question_app import PacketDext, QuestionApp, compare_designs, deliver
from .structs import GetPacket_Output
from .ethernet import IOUserNetworkEthernet, SampleEthernetDext
from .queues import (
    IODispatchQueue,
    IOUserNetworkRxCompletionQueue,
    IOUserNetworkRxSubmissionQueue,
    IOUserNetworkTxCompletionQueue,
    IOUserNetworkTxSubmissionQueue,
    Place,
    where,
)
from .responder import Responder, VirtualEthernetDext, VirtualLink
from .ping import run_ping
from .userclient import IOUserClient, IOUserClientMethodArguments, IOUserClientMethodDispatch
from .service import IOService, OSAction, OSData

__version__ = "0.1.0"

__all__ = [
    "APPLE_SILICON",
    "App",
    "GetPacket_Output",
    "INTEL",
    "IOServiceClose",
    "IOServiceOpen",
    "IOUserClient",
    "IOUserClientMethodArguments",
    "IOUserClientMethodDispatch",
    "OSAction",
    "PacketDext",
    "QuestionApp",
    "compare_designs",
    "deliver",
    "PROFILES",
    "Boot",
    "HostStack",
    "IOBufferMemoryDescriptor",
    "IOMemoryDescriptor",
    "IOMemoryMap",
    "IOReturnError",
    "IOReturnName",
    "IOService",
    "IOUserNetworkPacket",
    "IOUserNetworkPacketBufferPool",
    "IOUserNetworkPacketBufferPoolOptions",
    "Mac",
    "MachineProfile",
    "OSData",
    "PoolFlagMapToDevice",
    "PoolFlagMapToDext",
    "PoolFlagPersistentMemory",
    "PoolFlagSingleMemorySegment",
    "PoolLayout",
    "QuestionDext",
    "SimulatedFault",
    "Task",
    "configured_buffer_size",
    "current_api",
    "first_attempt",
    "ioreturn",
    "kIOMemoryMapFixedAddress",
    "kIOMemoryMapReadOnly",
    "kIOUserNetworkPacketDirectionRx",
    "kIOUserNetworkPacketDirectionTx",
    "question_fix",
    "run_question",
    "sync_notebooks",
    "IODispatchQueue",
    "IOUserNetworkEthernet",
    "IOUserNetworkRxCompletionQueue",
    "IOUserNetworkRxSubmissionQueue",
    "IOUserNetworkTxCompletionQueue",
    "IOUserNetworkTxSubmissionQueue",
    "Place",
    "Responder",
    "SampleEthernetDext",
    "VirtualEthernetDext",
    "VirtualLink",
    "run_ping",
    "where",
]

# Every kIOReturn… constant, at the top level too: ``vethlab.kIOReturnBadArgument``.
for _name in ioreturn.IORETURN_CODES:
    globals()[_name] = ioreturn.IORETURN_CODES[_name]
    __all__.append(_name)
del _name
