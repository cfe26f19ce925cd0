"""Administrative documents laid out as Nghị định 30/2020/NĐ-CP prescribes: the rules as data
(``nd30``), drafting a DOCX (``nd30_render``) and checking one (``nd30_check``,
whose parts are the ``nd30_check_*`` modules)."""
