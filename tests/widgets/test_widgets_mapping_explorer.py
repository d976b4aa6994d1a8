"""The mapping explorer: PoolFlagMapToDext, the app's CreateMapping, and 4 KiB vs 16 KiB pages."""

from vethlab.widgets.mapping_explorer import ASSUMED_PAGE_SIZE, build_scene, mapping_explorer


def probes(box):
    """(label, faulted, descriptor offset) of every probe the last picture drew."""
    return [(p.label, p.faulted, p.offset) for p in box.vethlab_state["record"]["probes"]]


def test_default_scene_links_the_buffer_in_both_tasks():
    """At start: 16 KiB pages, MapToDext on, buffer 2 reachable in the dext and in the app."""
    box = mapping_explorer()
    state = box.vethlab_state
    assert state["error"] is None and state["renders"] == 1
    record = state["record"]
    assert record["page_size"] == 16384
    assert sorted(link["task"] for link in record["links"]) == ["app", "dext"]
    assert probes(box) == [
        ("getDataVirtualAddress()", False, 0x1000),
        ("buffer 2 via the app's map", False, 0x1000),
        ("one byte past GetLength()", False, 0x2000),
    ]
    (app,) = [m for m in record["mappings"] if m["task"] == "app"]
    assert (app["offset"], app["length"], app["readable_not_asked"]) == (0x1000, 0x1000, 12288)


def test_map_to_dext_off_makes_the_address_an_offset_that_faults():
    """Trap 5: without the flag, buffer 21's getDataVirtualAddress() is 0xa800 and faults in the dext."""
    box = mapping_explorer()
    controls = box.vethlab_controls
    controls["map_to_dext"].value = False
    controls["buffer"].value = 21
    record = box.vethlab_state["record"]
    assert [(f.task, f.address) for f in record["faults"] if f.task == "dext"] == [("dext", 0xA800)]
    assert [m["task"] for m in record["mappings"]] == ["app"]
    assert ("observed", "without PoolFlagMapToDext the address is a pool offset") in record["notes"]
    controls["map_to_dext"].value = True
    assert (
        box.vethlab_state["record"]["faults"][0].task == "app"
    )  # buffer 21 is past the app's pages


def test_four_kib_pages_fault_where_sixteen_kib_pages_read_on():
    """Trap 8: one byte past a 4096-byte mapping faults on Intel and reads offset 0x2000 on Apple silicon."""
    box = mapping_explorer()
    controls = box.vethlab_controls
    before = box.vethlab_image.value
    controls["profile"].value = "intel"
    assert box.vethlab_state["record"]["page_size"] == 4096
    assert probes(box)[2] == ("one byte past GetLength()", True, None)
    assert box.vethlab_image.value != before
    (app,) = [m for m in box.vethlab_state["record"]["mappings"] if m["task"] == "app"]
    assert app["readable_not_asked"] == 0
    controls["profile"].value = "apple-silicon"
    assert probes(box)[2] == ("one byte past GetLength()", False, 0x2000)


def test_fixed_address_aligned_to_4096_is_refused_on_sixteen_kib_pages():
    """Trap 8: a fixed address aligned to 4096 only maps on Intel and is kIOReturnNotAligned on Apple silicon."""
    box = mapping_explorer(profile="intel", fixed_4k=True)
    state = box.vethlab_state
    app_space = state["scene"]["app"].space
    assert state["error"] is None
    assert state["scene"]["app_mapping"].page_start == app_space.base + ASSUMED_PAGE_SIZE
    renders = state["renders"]
    box.vethlab_controls["profile"].value = "apple-silicon"
    assert state["error"].startswith("kIOReturnNotAligned (0xe00002d0)")
    # The refused call stays on screen, marked refused, in the picture and in the text.
    assert state["renders"] == renders + 1 and not box.vethlab_image.layout.display
    assert state["record"]["refused"] == "CreateMapping: kIOReturnNotAligned"
    assert [m["task"] for m in state["record"]["mappings"]] == ["dext"]
    call = box.children[1].value
    assert "line-through" in call and "refused: kIOReturnNotAligned" in call


def test_out_of_range_mapping_shows_the_error_then_recovers():
    """Offset + length past the descriptor: the call is drawn refused with BadArgument, then maps."""
    box = mapping_explorer()
    controls, state = box.vethlab_controls, box.vethlab_state
    controls["offset"].value = 65536 - 512
    assert "kIOReturnBadArgument" in state["error"] and "runs past the descriptor" in state["error"]
    assert state["record"]["refused"] == "CreateMapping: kIOReturnBadArgument"
    assert "runs past the descriptor" in box.children[1].value
    controls["length"].value = 512
    assert state["error"] is None and state["record"]["refused"] is None
    (app,) = [m for m in state["record"]["mappings"] if m["task"] == "app"]
    assert (app["offset"], app["length"]) == (65536 - 512, 512)


def test_build_scene_call_text_reads_like_c():
    """The scene names the app's CreateMapping call the way the C would read."""
    scene = build_scene(offset=0x2000, length=0x800)
    assert scene["call"].startswith("pool_md->CreateMapping(0, 0x0, 0x2000, 0x800, 0, &map)")
    assert scene["call"].endswith("on a Mac the app maps with IOConnectMapMemory64")
    assert scene["app_mapping"].GetOffset() == 0x2000
