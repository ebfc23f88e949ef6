"""The loader's one error: it names the fixture file, the record and the field."""


class LoadError(Exception):
    def __init__(self, file, record, field_name, message):
        self.file, self.record, self.field, self.message = file, record, field_name, message
        where = f"{file}: {record}" if record else str(file)
        if field_name:
            where += f": field '{field_name}'"
        super().__init__(f"{where}: {message}")


def malformed(file, record, exc):
    return LoadError(file, record, "", f"malformed value ({type(exc).__name__}: {exc})")
