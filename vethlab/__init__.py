"""vethlab: a runnable model of a NetworkingDriverKit virtual-Ethernet dext's packet buffers.

The map of the package, layer by layer from the top; a layer imports only layers below it
(``lint-imports`` checks this, see ``[tool.importlinter]`` in pyproject.toml):

=========================  ==================================================================
``cli/``                   the ``vethlab`` command (never imported by the library)
``bench/``, ``lab``        benchmarks; copying the notebooks and opening JupyterLab
``widgets/``               ipywidgets dashboards built on the pictures
``inspection/``            ``vethlab.inspect(dump)``: frames, stride, headroom and data
                           offsets found in a raw dump of a real pool's memory, and its map
``exercises/``             ``vethlab.check(answer)``: an answer (Python or C++) run in every
                           case of a matrix of Macs, pools and flows, judged trap by trap
``pictures/``              matplotlib drawings of the model's state (each takes an ``ax``)
``question/``, ``ping/``   the scenarios: the question's dext and its runs; ping through a
                           virtual Ethernet dext whose wire is its app
``handoff/``               how a dext hands frames to its app: structs, GetPacket, the user
                           client, the app in three designs (shared by both scenarios)
``wire/``                  real frames, pcap, TAP, the host's network stack
``iokit``                  the app's IOKit.framework: ``IOServiceOpen``, ``IOConnectCall…``
``networkingdriverkit/``   Apple's NetworkingDriverKit: packet, pool, queues, Ethernet
``driverkit/``             Apple's DriverKit: services, memory descriptors and maps,
                           dispatch queues, ``IOUserClient``
``stacks/``                vethlab's models of other zero-copy stacks (netmap, AF_XDP, DPDK,
                           sk_buff, mbufs) and of the NDK pool, through one interface
``model/``                 vethlab's own model of the Mac (not Apple API): machine and boot,
                           XNU's pool arithmetic, tasks and faults, the scheduler, the
                           state machines (one move-table type and its four tables)
``ioreturn``               ``kern_return_t`` codes with their real values; ``IOReturnError``
=========================  ==================================================================

Every behaviour is labelled by where it comes from: documented (Apple's docs or headers),
source (the system's own open source code, e.g. XNU), observed (measured by driver authors on
real Macs), reported (only the question says so) or modelled (vethlab's own choice where the
truth is unknown). See the README.
"""

from vethlab import _moved, ioreturn
from vethlab.driverkit.dispatch import IODispatchQueue
from vethlab.driverkit.memory import (
    IOBufferMemoryDescriptor,
    IOMemoryDescriptor,
    IOMemoryMap,
    kIOMemoryMapFixedAddress,
    kIOMemoryMapReadOnly,
)
from vethlab.driverkit.service import IOService, OSAction, OSData
from vethlab.driverkit.userclient import (
    IOUserClient,
    IOUserClientMethodArguments,
    IOUserClientMethodDispatch,
)
from vethlab.handoff.app import QuestionApp
from vethlab.handoff.structs import GetPacket_Output
from vethlab.inspection import Inspection, inspect
from vethlab.iokit import App, IOServiceClose, IOServiceOpen
from vethlab.ioreturn import IOReturnError, IOReturnName
from vethlab.lab import sync_notebooks
from vethlab.model.layout import PoolLayout, configured_buffer_size
from vethlab.model.machine import APPLE_SILICON, INTEL, PROFILES, Boot, MachineProfile
from vethlab.model.memory import Mac, SimulatedFault, Task
from vethlab.networkingdriverkit.ethernet import (
    IOUserNetworkEthernet,
    SampleEthernetDext,
)
from vethlab.networkingdriverkit.packet import (
    IOUserNetworkPacket,
    kIOUserNetworkPacketDirectionRx,
    kIOUserNetworkPacketDirectionTx,
)
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDevice,
    PoolFlagMapToDext,
    PoolFlagPersistentMemory,
    PoolFlagSingleMemorySegment,
)
from vethlab.networkingdriverkit.queues import (
    IOUserNetworkRxCompletionQueue,
    IOUserNetworkRxSubmissionQueue,
    IOUserNetworkTxCompletionQueue,
    IOUserNetworkTxSubmissionQueue,
    Place,
    where,
)
from vethlab.ping.app import Responder
from vethlab.ping.dext import VirtualEthernetDext
from vethlab.ping.link import VirtualLink
from vethlab.ping.run import run_ping
from vethlab.question.dext import PacketDext
from vethlab.question.runs import compare_designs, deliver
from vethlab.question.scenario import (
    QuestionDext,
    current_api,
    first_attempt,
    question_fix,
    run_question,
)
from vethlab.wire.host import HostStack

__version__ = "0.2.0"

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
    "inspect",
    "Inspection",
    "check",
]

# Every kIOReturn… constant, at the top level too: ``vethlab.kIOReturnBadArgument``.
for _name in ioreturn.IORETURN_CODES:
    globals()[_name] = ioreturn.IORETURN_CODES[_name]
    __all__.append(_name)
del _name


def __getattr__(name: str):
    """``vethlab.check``, imported on first use: the exercises build their matrix from most of
    the library, and ``import vethlab`` should not pay for that."""
    if name == "check":
        from vethlab.exercises import check

        return check
    raise AttributeError(f"module 'vethlab' has no attribute {name!r}")


# The module paths of vethlab 0.1 (vethlab.queues, vethlab.question_app, …) still import, with
# a DeprecationWarning naming the new path, until 0.3.0.
_moved.install()
