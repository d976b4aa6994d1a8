"""The mapping explorer: one pool's descriptor, the dext's and the app's address spaces, and
what a mapping really gives a task.

``mapping_explorer()`` returns an ipywidgets box. Every change builds the scene again from the
model (a :class:`~vethlab.model.memory.Mac`, a pool made with ``CreateWithOptions``, a
``CreateMapping`` of its descriptor into the app) and draws it with
:func:`vethlab.pictures.mappings.draw_mappings`:

* **PoolFlagMapToDext** on: the pool is mapped into the dext and ``getDataVirtualAddress()`` is
  an address there. Off (trap 5): nothing maps the pool into the dext, the "address" is the
  buffer's pool offset (0xa800 for buffer 21), and reading it is a simulated fault (observed).
* **CreateMapping offset and length**: the app's mapping of the descriptor. Mappings are made of
  whole pages, so the app can read the rest of the pages too (hatched); a buffer past them faults.
* **pages** 16 KiB (Apple silicon) or 4 KiB (Intel), trap 8. "One byte past GetLength()" is where
  code written for 4 KiB pages expects the guard page to fault once its mapping ends on a
  4096 boundary: on a 4 KiB Mac it does, on a 16 KiB Mac it reads the next buffer's bytes. And a
  fixed mapping address aligned to 4096 only is refused on a 16 KiB Mac (kIOReturnNotAligned).

A ``CreateMapping`` the model refuses (offset past the descriptor, offset + length beyond it, a
fixed address that is not page-aligned) stays on screen: the picture shows the app without the
mapping and the call marked REFUSED with its IOReturn, and the call's line says so too. The
offset and length read out in hex, as the call does. Everything drawn is in
``box.vethlab_state`` for tests (``error``: the refusal, or None).
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from vethlab.driverkit.memory import kIOMemoryMapFixedAddress
from vethlab.driverkit.service import IOService
from vethlab.ioreturn import IOReturnError
from vethlab.model.memory import Mac
from vethlab.networkingdriverkit.pool import (
    IOUserNetworkPacketBufferPool,
    IOUserNetworkPacketBufferPoolOptions,
    PoolFlagMapToDext,
)
from vethlab.pictures.mappings import draw_mappings
from vethlab.pictures.style import COLORS
from vethlab.widgets.canvas import FigureImage, control_rows, finish, labelled, watch

__all__ = ["mapping_explorer", "build_scene", "ASSUMED_PAGE_SIZE", "PAGE_OPTIONS"]

#: What code written on (or for) an Intel Mac takes a page to be.
ASSUMED_PAGE_SIZE = 4096
PAGE_OPTIONS = (("16 KiB (Apple silicon)", "apple-silicon"), ("4 KiB (Intel)", "intel"))
#: The picture in CSS pixels: with the controls and the call above it, the dashboard fits
#: JupyterLab at 1440×900 with the file browser open.
PICTURE_PX = (864, 540)


def build_scene(
    *,
    profile: str = "apple-silicon",
    map_to_dext: bool = True,
    buffer: int = 2,
    offset: int = 0x1000,
    length: int = 0x1000,
    fixed_4k: bool = False,
    packets: int = 32,
    buffer_size: int = 2048,
    segment_size: int = 65536,
    seed: int = 0,
) -> dict:
    """Make the explorer's scene.

    Returns ``pool``, ``dext`` and ``app`` tasks, ``app_mapping``, ``probes`` (for
    :func:`draw_mappings`), ``call`` (the app's ``CreateMapping`` as C would read) and
    ``refused``: the IOReturnError of a refused ``CreateMapping`` (then ``app_mapping`` is None
    and only the dext's probe is left), else None.
    """
    mac = Mac(profile, segment_size, seed)
    service = IOService(mac, "dext")
    options = IOUserNetworkPacketBufferPoolOptions(
        packetCount=packets,
        bufferCount=packets,
        bufferSize=buffer_size,
        maxBuffersPerPacket=1,
        poolFlags=PoolFlagMapToDext if map_to_dext else 0,
    )
    pool = IOUserNetworkPacketBufferPool.CreateWithOptions(service, "FooBuffer", options)
    app = mac.task("app")
    dext = service.task
    descriptor = pool.CopyMemoryDescriptor()
    flags, address, flag_text = 0, 0, "0"
    if fixed_4k:
        # the first 4096-aligned address past the start of the app's space, as code that
        # believes pages are 4096 bytes would choose it
        address = app.space.base + ASSUMED_PAGE_SIZE
        flags, flag_text = kIOMemoryMapFixedAddress, "kIOMemoryMapFixedAddress"
    call = (
        f"pool_md->CreateMapping({flag_text}, 0x{address:x}, 0x{offset:x}, 0x{length:x}, 0, "
        "&map)  // vethlab maps it into the app; on a Mac the app maps with "
        "IOConnectMapMemory64"
    )
    packet = pool.packets[buffer]
    scene = {
        "pool": pool,
        "dext": dext,
        "app": app,
        "call": call,
        "app_mapping": None,
        "refused": None,
        "probes": [(dext, packet.getDataVirtualAddress(), "getDataVirtualAddress()")],
    }
    try:
        app_mapping = descriptor.CreateMapping(flags, address, offset, length, 0, into=app)
    except IOReturnError as error:
        scene["refused"] = error
        return scene
    base = pool.layout.buffer_offset(buffer)
    end = app_mapping.GetAddress() + app_mapping.GetLength()
    scene.update(
        app_mapping=app_mapping,
        probes=[
            (dext, packet.getDataVirtualAddress(), "getDataVirtualAddress()"),
            (app, app_mapping.address_of(base), f"buffer {buffer} via the app's map"),
            (app, end, "one byte past GetLength()"),
        ],
    )
    return scene


def mapping_explorer(
    *,
    profile: str = "apple-silicon",
    map_to_dext: bool = True,
    buffer: int = 2,
    offset: int = 0x1000,
    length: int = 0x1000,
    fixed_4k: bool = False,
    packets: int = 32,
    buffer_size: int = 2048,
    segment_size: int = 65536,
    seed: int = 0,
    size_px: tuple[int, int] = PICTURE_PX,
) -> widgets.VBox:
    """The dashboard: pages, PoolFlagMapToDext, the app's CreateMapping, the buffer to follow."""
    fixed = dict(packets=packets, buffer_size=buffer_size, segment_size=segment_size, seed=seed)
    probe_scene = build_scene(
        profile=profile, map_to_dext=True, buffer=0, offset=0, length=0, **fixed
    )
    pool_length = probe_scene["pool"].CopyMemoryDescriptor().GetLength()

    slider = dict(continuous_update=False)
    hex_slider = dict(slider, step=512, readout_format="#x")  # the call's numbers are hex
    controls = {
        "profile": labelled(widgets.ToggleButtons(options=PAGE_OPTIONS, value=profile), "pages"),
        "map_to_dext": labelled(widgets.Checkbox(value=map_to_dext), "PoolFlagMapToDext"),
        "fixed_4k": labelled(widgets.Checkbox(value=fixed_4k), "fixed address aligned to 4096"),
        "buffer": labelled(
            widgets.IntSlider(value=buffer, min=0, max=packets - 1, **slider), "buffer"
        ),
        "offset": labelled(
            widgets.IntSlider(value=offset, min=0, max=pool_length - 512, **hex_slider),
            "CreateMapping offset",
        ),
        "length": labelled(
            widgets.IntSlider(value=length, min=0, max=pool_length, **hex_slider),
            "CreateMapping length",
        ),
    }
    controls["profile"].style.button_width = "180px"
    call = widgets.HTML()
    canvas = FigureImage(size_px)
    state = {"error": None, "renders": 0, "record": None, "scene": None}

    def redraw(*_):
        values = {name: control.value for name, control in controls.items()}
        scene = build_scene(**values, **fixed)
        refused = scene["refused"]
        state["error"] = None if refused is None else str(refused)
        state["scene"] = scene
        if refused is None:
            call.value = f"<code>{html.escape(scene['call'])}</code>"
        else:
            call.value = (
                f"<code style='text-decoration:line-through'>{html.escape(scene['call'])}</code>"
                f"<br><b style='color:{COLORS['wrong_read']}'>✘ refused: "
                f"{html.escape(refused.name)}</b>: {html.escape(refused.message)}"
            )
        ax = canvas.axes()
        draw_mappings(
            ax,
            scene["pool"],
            scene["dext"],
            scene["app"],
            buffer=values["buffer"],
            probes=scene["probes"],
            refused=None if refused is None else f"CreateMapping: {refused.name}",
        )
        canvas.show()
        state["renders"] += 1
        state["record"] = ax.vethlab

    watch(controls, redraw)
    box = widgets.VBox(
        [
            control_rows(
                [controls["profile"]],
                [controls["map_to_dext"], controls["fixed_4k"]],
                [controls["buffer"], controls["offset"]],
                [controls["length"]],
            ),
            call,
            canvas.image,
        ]
    )
    return finish(box, controls, state, canvas.figure, canvas.image)
