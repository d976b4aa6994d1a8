"""Build hook: ship notebooks/*.ipynb inside the wheel as vethlab/_notebooks.

`vethlab lab` copies them from there when vethlab was installed from a wheel rather than run
from a checkout. Everything else about the package is in pyproject.toml.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class build_py_with_notebooks(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the checkout's notebooks/ directly
        target = Path(self.build_lib) / "vethlab" / "_notebooks"
        self.mkpath(str(target))
        for notebook in sorted(Path("notebooks").glob("*.ipynb")):
            self.copy_file(str(notebook), str(target / notebook.name))


setup(cmdclass={"build_py": build_py_with_notebooks})
