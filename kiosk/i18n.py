"""Every string the citizen sees, in zh_CN (the default) and en, in one catalogue.

`tr(key, locale, **params)` looks a string up; a missing key is a programming error, never blank."""
from __future__ import annotations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"

STRINGS: dict[str, tuple[str, str]] = {
    # Header and home
    "app.title": ("政务服务自助终端", "Government Self-Service Terminal"),
    "home.welcome": ("欢迎使用 7×24 小时政务服务自助终端", "Welcome to the 24/7 government self-service terminal"),
    "home.login": ("扫码登录", "Scan to log in"),
    "home.login_hint": ("打开政务服务 App，扫描屏幕上的二维码", "Open the government services app and scan the code"),
    "home.login_title": ("手机扫码 立即登录", "Scan with your phone to log in"),
    "home.popular": ("常办事项", "Most used"),
    "home.categories": ("全部分类", "All categories"),
    "home.all_items": ("全部事项", "All items"),
    "header.help": ("呼叫帮办", "Call for help"),
    "header.elderly_on": ("长辈模式", "Large text"),
    "header.elderly_off": ("标准模式", "Standard text"),
    "header.language": ("English", "中文"),
    "header.home": ("返回首页", "Home"),
    "header.voice": ("重听提示", "Repeat"),
    "help.sent": ("已呼叫工作人员，请稍候，帮办人员马上就到。", "Staff have been called. Please wait, help is on the way."),
    "help.failed": ("呼叫未送达，请拨打服务电话：{contact}", "The call did not go through. Please phone {contact}."),
    # Login
    "login.title": ("请用手机扫码登录", "Scan with your phone to log in"),
    "login.steps": ("① 打开政务服务 App\n② 点击“扫一扫”\n③ 在手机上确认",
                    "1. Open the government services app\n2. Tap Scan\n3. Confirm on your phone"),
    "login.user_code": ("核对码：{code}", "Check code: {code}"),
    "login.countdown": ("二维码 {seconds} 秒后更新", "New code in {seconds} s"),
    "login.scanned": ("已扫码，请在手机上确认", "Scanned. Please confirm on your phone."),
    "login.denied": ("您在手机上取消了登录。如需办理，请重新扫码。", "You cancelled the login on your phone. Scan again to continue."),
    "login.expired": ("二维码已过期，已为您更换新的二维码。", "The code expired; here is a new one."),
    "login.waiting": ("正在获取二维码…", "Getting a code…"),
    "login.unavailable": ("暂时无法连接服务中心，请稍后再试。", "The service centre cannot be reached. Please try again later."),
    "login.cancel": ("返回", "Back"),
    "login.loading_profile": ("登录成功，正在读取您的信息…", "Logged in. Reading your details…"),
    "login.scanner_hint": ("也可将电子社保卡二维码对准扫码口", "Or hold your e-social-security card code to the scanner"),
    "login.scanner_reading": ("正在读取您的电子社保卡，请稍候…", "Reading your e-social-security card…"),
    "login.scanner_invalid": ("这个码不能用于登录。请出示电子社保卡二维码，或用手机扫码登录。",
                              "This code cannot be used to log in. Show your e-social-security card code, or scan with your phone."),
    # Catalogue
    "catalog.title": ("请选择要办理的事项", "Choose what you want to do"),
    "catalog.search": ("搜索事项（可输入拼音首字母，如 sbjf）", "Search (name or pinyin initials, e.g. sbjf)"),
    "catalog.greeting": ("{name}，您好", "Hello, {name}"),
    "catalog.reason_central": ("暂停办理：无法连接服务中心", "Unavailable: the service centre cannot be reached"),
    "catalog.reason_printer": ("暂停办理：{problem}", "Unavailable: {problem}"),
    "catalog.no_match": ("没有找到相关事项，请换个词试试", "Nothing found. Try another word."),
    "catalog.logout": ("退出登录", "Log out"),
    # Item
    "item.guide": ("办事指南（明白卡）", "Guide"),
    "item.eligibility": ("办理对象", "Who may apply"),
    "item.materials": ("所需材料", "Materials"),
    "item.time_limit": ("办理时限", "Time"),
    "item.fee": ("收费标准", "Fee"),
    "item.faq": ("常见问题", "Common questions"),
    "item.question": ("问：{text}", "Q: {text}"),
    "item.answer": ("答：{text}", "A: {text}"),
    "item.form": ("请填写", "Please fill in"),
    "item.next": ("下一步", "Next"),
    "item.back": ("上一步", "Back"),
    "item.login_needed": ("办理此事项需要先登录", "This item needs you to log in first"),
    "form.required": ("此项必填", "Required"),
    "form.optional": ("{label}（选填）", "{label} (optional)"),
    "form.too_short": ("至少 {n} 个字符", "At least {n} characters"),
    "form.too_long": ("最多 {n} 个字符", "At most {n} characters"),
    "form.digits_only": ("只能填写数字", "Digits only"),
    "form.bad_id_number": ("身份证号码不正确，请核对", "This ID number is not valid"),
    "form.bad_phone": ("手机号码应为 11 位数字", "A mobile number has 11 digits"),
    "form.bad_choice": ("请从选项中选择", "Please pick one of the options"),
    "form.bad_year": ("请填写 1950 到 {max} 之间的年份", "Enter a year from 1950 to {max}"),
    "form.bad_date": ("日期格式为 2024-05-01", "Date format: 2024-05-01"),
    "form.bad_format": ("格式不正确", "Wrong format"),
    "keypad.clear": ("清空", "Clear"),
    "keypad.delete": ("删除", "Delete"),
    # Confirm / submit
    "confirm.title": ("请核对以下信息", "Please check your details"),
    "confirm.submit": ("确认提交", "Submit"),
    "confirm.edit": ("返回修改", "Change"),
    "submit.title": ("正在提交，请稍候…", "Submitting, please wait…"),
    "submit.cancel": ("取消", "Cancel"),
    "submit.cancel_hint": ("{seconds} 秒后发送，发送前可以点“取消”", "Sending in {seconds} s. You can still cancel."),
    "submit.sent": ("已发送，正在等待服务中心答复，请不要离开", "Sent. Waiting for the service centre; please stay here."),
    "submit.failed": ("提交未成功：{reason}", "Not submitted: {reason}"),
    "submit.unavailable": ("无法连接服务中心，请稍后再试", "The service centre cannot be reached; please try later"),
    "submit.login_expired": ("登录已过期，请重新登录", "Your login expired; please log in again"),
    # Print
    "print.title": ("正在打印，请稍候…", "Printing, please wait…"),
    "print.take": ("打印完成，请取走您的凭证", "Printed. Please take your slip."),
    "print.failed_title": ("凭证没有打印出来", "Your slip was not printed"),
    "print.failed": ("原因：{problem}", "Reason: {problem}"),
    "print.advice": ("工作人员处理方法：{advice}", "For staff: {advice}"),
    "print.failed_hint": ("您的事项已办理成功。请用手机扫描下方二维码保存电子凭证，或点右上角“呼叫帮办”。",
                          "Your application was accepted. Scan the code below to keep the document on your phone, or tap Call for help."),
    "print.failed_hint_no_qr": ("您的事项已办理成功。请记下办件编号，并点右上角“呼叫帮办”。",
                                "Your application was accepted. Please note the number and tap Call for help."),
    "print.unknown_problem": ("打印机没有应答", "the printer did not answer"),
    "print.continue": ("继续", "Continue"),
    "print.number": ("办件编号：{number}", "Application number: {number}"),
    # Rating
    "rating.title": ("请对本次服务进行评价", "Please rate this service"),
    "rating.skip": ("跳过", "Skip"),
    "rating.thanks": ("感谢您的评价！", "Thank you for your rating!"),
    "rating.very_satisfied": ("非常满意", "Very satisfied"),
    "rating.satisfied": ("满意", "Satisfied"),
    "rating.basically_satisfied": ("基本满意", "Basically satisfied"),
    "rating.dissatisfied": ("不满意", "Dissatisfied"),
    "rating.very_dissatisfied": ("非常不满意", "Very dissatisfied"),
    # Done
    "done.title": ("办理完成", "All done"),
    "done.body": ("请带好您的凭证和随身物品。", "Please take your slip and your belongings."),
    "done.countdown": ("{seconds} 秒后自动退出登录", "Logging out in {seconds} s"),
    "done.finish": ("完成并退出", "Finish and log out"),
    # Idle
    "idle.title": ("您还在办理吗？", "Are you still there?"),
    "idle.body": ("{seconds} 秒后将自动退出，以保护您的信息安全。", "For your privacy you will be logged out in {seconds} s."),
    "idle.continue": ("继续办理", "Continue"),
    "idle.end": ("退出", "Log out"),
    # Out of service
    "oos.title": ("暂停服务", "Out of service"),
    "oos.central": ("暂时无法连接服务中心，正在自动重试。", "The service centre cannot be reached; retrying automatically."),
    "oos.staff": ("工作人员已暂停本终端：{message}", "Staff paused this terminal: {message}"),
    "oos.contact": ("如需帮助请拨打：{contact}", "For help, phone {contact}"),
    # Voice prompts
    "voice.home": ("您好，请点击扫码登录，或选择要办理的事项。", "Hello. Tap scan to log in, or choose an item."),
    "voice.login": ("请打开政务服务App，扫描屏幕上的二维码，并在手机上确认。", "Open the app, scan the code on the screen, and confirm on your phone."),
    "voice.catalog": ("请选择要办理的事项。", "Please choose an item."),
    "voice.item": ("请阅读办事指南，核对并填写信息后点击下一步。", "Read the guide, check the form and tap Next."),
    "voice.confirm": ("请核对信息，无误后点击确认提交。", "Check your details and tap Submit."),
    "voice.submitting": ("正在提交，请稍候。", "Submitting, please wait."),
    "voice.printing": ("正在打印，请稍候。", "Printing, please wait."),
    "voice.rating": ("请对本次服务进行评价。", "Please rate this service."),
    "voice.done": ("办理完成，请取走您的凭证。", "All done. Please take your slip."),
    "voice.out_of_service": ("本终端暂停服务。", "This terminal is out of service."),
}


def tr(key: str, locale: str = DEFAULT_LOCALE, **params: object) -> str:
    """The string for `key` in `locale`, with {placeholders} filled from `params`."""
    zh, en = STRINGS[key]
    text = en if locale == "en" else zh
    return text.format(**params) if params else text
