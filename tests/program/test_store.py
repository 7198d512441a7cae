from loyalty.program.spec import DEMO_PATH
from loyalty.program.store import ProgramHolder, apply_program, load_current


async def test_a_running_process_picks_up_a_new_program_version(clean_db):
    text = DEMO_PATH.read_text()
    first, created = await apply_program(text, "demo.toml")
    assert (first.version, created) == (1, True)
    holder = ProgramHolder(first, check_seconds=0)
    await apply_program(text.replace('name = "Northwind Rewards"', 'name = "Northwind Club"', 1), "club.toml")
    await holder.reload_if_due()
    assert (holder.current.version, holder.program.program.name) == (2, "Northwind Club")
    assert (await load_current()).version == 2


async def test_the_same_text_again_stores_no_new_version(clean_db):
    text = DEMO_PATH.read_text()
    await apply_program(text, "demo.toml")
    again, created = await apply_program(text, "demo.toml")
    assert (again.version, created) == (1, False)


async def test_a_holder_checks_the_database_only_when_its_interval_has_passed(clean_db):
    text = DEMO_PATH.read_text()
    first, _ = await apply_program(text, "demo.toml")
    holder = ProgramHolder(first, check_seconds=3600)
    await apply_program(text.replace('name = "Northwind Rewards"', 'name = "Northwind Club"', 1), "club.toml")
    await holder.reload_if_due()
    assert holder.current.version == 1
